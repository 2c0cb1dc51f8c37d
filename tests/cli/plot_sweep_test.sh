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
# The quality-area-speed front of a scheme sweep's table: point 1 is beaten by point 0 on all
# three (larger area, worse KL, slower), point 3 failed; 0, 2 and 4 are each best at something.
cat >"$dir/q.csv" <<'CSV'
point,scheme,config.clock.clock_mhz,area_mm2,tokens_per_s_per_user,quality.kl_divergence,quality.perplexity,status,error
0,q8_0,1000,10,100,0.01,5.1,ok,
1,q6_k,1000,12,90,0.02,5.2,ok,
2,q4_k,1000,8,100,0.05,5.5,ok,
3,q4_0,1000,,,,,error,no KV SRAM
4,mix36,1000,7,120,0.09,6.0,ok,
CSV
"$python" "$root/scripts/plot_sweep.py" "$dir/q.csv" -o "$dir/q" --y area_mm2 >"$dir/q.out"
[ -s "$dir/q/front.png" ] || { echo "missing front.png"; exit 1; }
grep -qx "$dir/q/front.csv" "$dir/q.out" || { cat "$dir/q.out"; echo "front.csv not printed"; exit 1; }
expected='point,scheme,area_mm2,quality.kl_divergence,tokens_per_s_per_user
0,q8_0,10,0.01,100
2,q4_k,8,0.05,100
4,mix36,7,0.09,120'
[ "$(cat "$dir/q/front.csv")" = "$expected" ] || { cat "$dir/q/front.csv"; echo "bad front"; exit 1; }
# --quality picks the perplexity; a table without quality columns has no front.
"$python" "$root/scripts/plot_sweep.py" "$dir/q.csv" -o "$dir/q2" --y area_mm2 --quality quality.perplexity >/dev/null
grep -q '^point,scheme,area_mm2,quality.perplexity,' "$dir/q2/front.csv" || { echo "no --quality"; exit 1; }
[ ! -e "$dir/plots/front.png" ] || { echo "a front without quality columns"; exit 1; }
echo "plot_sweep: ok"
