#!/usr/bin/env bash
# Runs an `etchsim sweep` as a Slurm job array: one array task per design point, then a job
# that merges the rows into one table once every task has ended (docs/sweep.md).
#
#   scripts/slurm-sweep.sh [--local] [--rows DIR] -o s.csv -- SWEEP OPTIONS...
#
#   scripts/slurm-sweep.sh -o s.csv -- --config configs/hc1.toml \
#       --vary clock_mhz=500:2000:250 --vary kv_sram.capacity_mib=256,512
#
# The points are listed with `etchsim sweep ... --dry-run` (one a line); task I runs
# `etchsim sweep ... --point I -o ROWS/I.csv`; the merge job runs
# `etchsim sweep --merge ROWS/*.csv -o OUT`. --local runs the same tasks and the merge here, one
# after another, without Slurm (to try a sweep, and for tests). sbatch options come from the
# environment (SBATCH_PARTITION, SBATCH_TIMELIMIT, SBATCH_ACCOUNT, ...; see `man sbatch`).
# ETCHSIM is the etchsim binary (default: build/etchsim of this checkout); ROWS defaults to
# OUT's name with .rows. Exit code as `etchsim sweep`: 0 all points ok, 2 some failed (--local).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

usage() {
  sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 1
}

# Internal entries, run by Slurm: one array task, and the merge.
if [ "${1:-}" = "--task" ]; then
  rows=$2
  shift 3  # --task ROWS --
  i=${SLURM_ARRAY_TASK_ID:?--task runs inside a Slurm array task}
  rc=0
  "$ETCHSIM" sweep "$@" --jobs 1 --point "$i" -o "$rows/$i.csv" || rc=$?
  # 2: the point failed and its row says why; the task itself did its job.
  [ "$rc" -eq 2 ] && rc=0
  exit "$rc"
fi
if [ "${1:-}" = "--merge-task" ]; then
  rows=$2
  out=$3
  exec "$ETCHSIM" sweep --merge "$rows"/*.csv -o "$out"
fi

local_run=0
rows=""
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --local) local_run=1; shift ;;
    --rows) rows=$2; shift 2 ;;
    -o) out=$2; shift 2 ;;
    --) shift; break ;;
    -h|--help) usage ;;
    *) echo "slurm-sweep: unknown option $1 (sweep options go after --)" >&2; usage ;;
  esac
done
[ -n "$out" ] || { echo "slurm-sweep: -o OUT.csv|OUT.json is required" >&2; usage; }
[ $# -gt 0 ] || { echo "slurm-sweep: no sweep options after --" >&2; usage; }

ETCHSIM=$(realpath "${ETCHSIM:-$root/build/etchsim}")
export ETCHSIM
out=$(realpath -m "$out")
rows=$(realpath -m "${rows:-${out%.*}.rows}")

# Lists the points (and checks every key and value: a bad sweep stops here).
n=$("$ETCHSIM" sweep "$@" --dry-run | wc -l)
[ "$n" -gt 0 ] || { echo "slurm-sweep: the sweep has no points" >&2; exit 1; }
rm -rf "$rows"
mkdir -p "$rows"
echo "slurm-sweep: $n point(s), rows in $rows, table $out" >&2

if [ "$local_run" -eq 1 ]; then
  for ((i = 0; i < n; i++)); do
    SLURM_ARRAY_TASK_ID=$i "$0" --task "$rows" -- "$@"
  done
  exec "$0" --merge-task "$rows" "$out"
fi

command -v sbatch >/dev/null 2>&1 || { echo "slurm-sweep: sbatch not found (try --local)" >&2; exit 1; }
script=$(realpath "$0")
array=$(sbatch --parsable --job-name=etchsim-sweep --array="0-$((n - 1))" \
  --output="$rows/slurm-%A_%a.out" "$script" --task "$rows" -- "$@")
array=${array%%;*}
merge=$(sbatch --parsable --job-name=etchsim-sweep-merge --dependency="afterany:$array" \
  --output="$rows/slurm-merge-%j.out" "$script" --merge-task "$rows" "$out")
echo "slurm-sweep: submitted array job $array ($n tasks) and merge job ${merge%%;*}" >&2
