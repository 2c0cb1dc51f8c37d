#!/usr/bin/env bash
# scripts/slurm-sweep.sh --local: the job array's per-point tasks and the merge, without Slurm.
# The merged table has one row per point in point order, one of them failed (exit 2).
set -euo pipefail
etchsim=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
rc=0
ETCHSIM=$etchsim "$root/scripts/slurm-sweep.sh" --local -o "$dir/s.csv" -- --shape tiny \
  --config "$root/configs/tiny.toml" --prompt-len 16 -n 8 \
  --vary kv_sram.capacity_mib=0.001,1 --vary clock_mhz=250:750:250 || rc=$?
[ "$rc" -eq 2 ] || { echo "exit code $rc, expected 2 (point 0-2 fail)"; exit 1; }
[ "$(find "$dir/s.rows" -name "*.csv" | wc -l)" -eq 6 ] || { echo "expected 6 row files"; exit 1; }
[ "$(wc -l < "$dir/s.csv")" -eq 7 ] || { cat "$dir/s.csv"; echo "expected 7 lines"; exit 1; }
head -1 "$dir/s.csv" | grep -q '^point,kv_sram.capacity_mib,clock.clock_mhz,.*,status,error$' \
  || { head -1 "$dir/s.csv"; echo "bad header"; exit 1; }
cut -d, -f1-3 "$dir/s.csv" | tail -n +2 | tr '\n' ' ' | grep -qx \
  '0,0.001,250 1,0.001,500 2,0.001,750 3,1,250 4,1,500 5,1,750 ' \
  || { cut -d, -f1-3 "$dir/s.csv"; echo "bad rows"; exit 1; }
[ "$(grep -c ',ok,$' "$dir/s.csv")" -eq 3 ] || { cat "$dir/s.csv"; echo "expected 3 ok rows"; exit 1; }
[ "$(grep -c ',error,' "$dir/s.csv")" -eq 3 ] || { echo "expected 3 error rows"; exit 1; }
echo "slurm-sweep --local: ok"
