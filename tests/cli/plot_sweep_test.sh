#!/usr/bin/env bash
# scripts/plot_sweep.py on a small sweep of the tiny chip: one PNG per default metric, and one
# for an explicit --x/--y. Exit 77 (skipped) without python3 and matplotlib.
set -euo pipefail
etchsim=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
# The first python3 with matplotlib: PATH's, else Debian's (a pyenv python3 may shadow it).
python=""
for p in python3 /usr/bin/python3; do
  if "$p" -c 'import matplotlib' 2>/dev/null; then python=$p; break; fi
done
if [ -z "$python" ]; then
  echo "skipped: python3-matplotlib is not installed"
  exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$etchsim" sweep --shape tiny --config "$root/configs/tiny.toml" --prompt-len 16 -n 8 \
  --vary clock_mhz=250,500,1000 --vary datapath.activation_lanes=8,16 -o "$dir/s.csv"
"$python" "$root/scripts/plot_sweep.py" "$dir/s.csv" -o "$dir/plots"
for m in tokens_per_s_per_user tokens_per_s_aggregate cycles_total; do
  f="$dir/plots/$m.png"
  [ -s "$f" ] || { echo "missing $f"; exit 1; }
  head -c 8 "$f" | od -An -c | grep -q 'P   N   G' || { echo "$f is not a PNG"; exit 1; }
done
"$python" "$root/scripts/plot_sweep.py" "$dir/s.csv" -o "$dir/p2" --x datapath.activation_lanes \
  --y kv_sram.peak_bytes
[ -s "$dir/p2/kv_sram.peak_bytes.png" ] || { echo "missing kv_sram.peak_bytes.png"; exit 1; }
# JSON input too.
"$etchsim" sweep --shape tiny --config "$root/configs/tiny.toml" --prompt-len 16 -n 8 \
  --vary clock_mhz=250,500 -o "$dir/s.json"
"$python" "$root/scripts/plot_sweep.py" "$dir/s.json" -o "$dir/p3" --y cycles_total
[ -s "$dir/p3/cycles_total.png" ] || { echo "missing p3/cycles_total.png"; exit 1; }
# An unknown metric is an error.
if "$python" "$root/scripts/plot_sweep.py" "$dir/s.csv" -o "$dir/p4" --y no_such_metric 2>/dev/null; then
  echo "no error for an unknown metric"; exit 1
fi
echo "plot_sweep: ok"
