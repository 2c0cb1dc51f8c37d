#!/usr/bin/env bash
# scripts/slurm-sweep.sh on a real Slurm: a one-node cluster on localhost (munged, slurmctld and
# slurmd from Debian's munge and slurm-wlm packages), configured in a temporary directory, runs
# the sweep as a job array and the merge job; the merged table must equal `etchsim sweep`'s run
# here, apart from the columns that measure the machine (simulation.wall_seconds, ...).
# Every daemon is started by this script in the foreground of a background job and stopped by its
# PID on exit, failed or not; every wait has a timeout. Skipped (exit 77) without the packages or
# without root (slurmd launches jobs as root); under CI=true those are failures instead.
# Usage: slurm_real_test.sh ETCHSIM
set -euo pipefail
etchsim=$(realpath "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)

skip() {
  if [ "${CI:-}" = "true" ]; then echo "FAIL (CI=true, so not skipped): $*" >&2; exit 1; fi
  echo "SKIP: $*"
  exit 77
}
missing=()
for tool in munged slurmctld slurmd sbatch squeue sinfo scancel python3; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ ${#missing[@]} -eq 0 ] || skip "not installed: ${missing[*]} (Debian: munge slurm-wlm; scripts/setup-deps.sh)"
[ "$(id -u)" -eq 0 ] || skip "needs root (slurmd runs jobs as root here)"

dir=$(mktemp -d /tmp/etchsim-slurm.XXXXXX)
chmod 700 "$dir"
pids=()
cleanup() {
  local rc=$?
  set +e
  # Jobs first, then the daemons, each by the PID this script got when it started it.
  [ -n "${SLURM_CONF:-}" ] && scancel --quiet --name=etchsim-sweep,etchsim-sweep-merge 2>/dev/null
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for _ in $(seq 50); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" -eq 0 ] && break
    sleep 0.2
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  # A job step daemon outlives slurmd only while a job runs; ours carry our SLURM_CONF.
  for pid in $(pgrep -x slurmstepd 2>/dev/null); do
    grep -qz "SLURM_CONF=$dir/" "/proc/$pid/environ" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  done
  wait 2>/dev/null
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
    for log in "$dir"/*.log "$dir"/*.out "$dir"/out/s.rows/slurm-*.out; do
      [ -f "$log" ] && { echo "== $log"; tail -n 20 "$log"; }
    done
  fi
  rm -rf "$dir"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
# wait_for SECONDS WHAT COMMAND...: polls COMMAND every 0.2 s until it succeeds.
wait_for() {
  local seconds=$1 what=$2
  shift 2
  local end=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$end" ] || fail "timed out after ${seconds}s waiting for $what"
    sleep 0.2
  done
}
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p
  for _ in $(seq 100); do
    p=$((20000 + RANDOM % 20000))
    port_free "$p" && port_free "$((p + 1))" && { echo "$p"; return; }
  done
  fail "no free TCP port pair found"
}

# munge: its own key, socket and logs.
mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/out"
chmod 700 "$dir/munge"
head -c 1024 /dev/urandom >"$dir/munge/munge.key"
chmod 400 "$dir/munge/munge.key"
munged -F --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.sock" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/munged.log" \
  --seed-file="$dir/munge/munge.seed" >"$dir/munged.out" 2>&1 &
pids+=($!)
wait_for 20 "munged's socket" test -S "$dir/munge/munge.sock"

port=$(free_port)
host=$(hostname -s)
export SLURM_CONF="$dir/slurm.conf"
cat >"$SLURM_CONF" <<CONF
ClusterName=etchsimtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.sock
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
KillWait=5
MailProg=/bin/true
NodeName=etchsimnode NodeAddr=127.0.0.1 NodeHostname=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=etchsim Nodes=etchsimnode Default=YES MaxTime=INFINITE State=UP
CONF

slurmctld -D -i -f "$SLURM_CONF" >"$dir/slurmctld.out" 2>&1 &
pids+=($!)
wait_for 30 "slurmctld to answer" sinfo -h
slurmd -D -N etchsimnode -f "$SLURM_CONF" >"$dir/slurmd.out" 2>&1 &
pids+=($!)
node_idle() { [ "$(sinfo -h -n etchsimnode -o %T)" = "idle" ]; }
wait_for 60 "the node to be idle" node_idle
echo "slurm: one node up ($(sinfo -h -o '%P %D %T %c'))"

# The sweep: 4 points, two of which fail (no KV SRAM for the workload); their rows merge too.
# shellcheck disable=SC2054  # the commas separate --vary values, not array elements
sweep=(--shape tiny --config "$root/configs/tiny.toml" --prompt-len 16 -n 8
  --vary kv_sram.capacity_mib=0.001,1 --vary clock_mhz=250,500)
cd "$dir/out"
rc=0
"$etchsim" --log-level warn sweep "${sweep[@]}" --jobs 1 -o local.csv 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "the local sweep exited $rc, expected 2 (two points fail)"
ETCHSIM=$etchsim "$root/scripts/slurm-sweep.sh" -o s.csv -- "${sweep[@]}"
queue_empty() { [ -z "$(squeue -h -o %i)" ]; }
wait_for 300 "the array and merge jobs to finish" queue_empty
[ -f s.csv ] || fail "the merge job wrote no s.csv"
[ "$(find s.rows -name 'slurm-*.out' | wc -l)" -eq 5 ] || fail "expected 4 task logs and 1 merge log"

# Equal, column for column, but for the wall-clock measurements.
python3 - local.csv s.csv <<'PY'
import csv, sys
def table(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    keep = [i for i, name in enumerate(rows[0]) if not name.startswith("simulation.")
            or name == "simulation.wakes"]
    return [[row[i] for i in keep] for row in rows]
local, slurm = table(sys.argv[1]), table(sys.argv[2])
if local != slurm:
    print("the Slurm table differs from the local sweep's:")
    for a, b in zip(local, slurm):
        if a != b:
            print(" local:", a, "\n slurm:", b)
    sys.exit(1)
ok = sum(1 for row in local[1:] if "ok" in row)
print(f"slurm-sweep on Slurm: {len(local) - 1} rows ({ok} ok) equal to the local sweep's")
PY
