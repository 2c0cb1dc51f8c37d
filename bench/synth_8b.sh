#!/usr/bin/env bash
# Measures `etchsim synth` and `etchsim inspect` on the llama-3.1-8b shape, side by side with a
# plain `dd` write of the same number of bytes (this machine's disk speed) in the same run, and
# checks that llama.cpp loads the file. Usage: bench/synth_8b.sh [QUANT ...] (default q4_0).
# Needs ~5 GB free in ${BENCH_DIR:-/tmp}; files are removed afterwards.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
etchsim=${BUILD_DIR:-$root/build}/etchsim
dir=${BENCH_DIR:-/tmp}/etchsim-bench-$$
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT
quants=("${@:-q4_0}")

now() { date +%s.%N; }
for q in "${quants[@]}"; do
  f="$dir/llama8b-$q.gguf"
  t0=$(now); "$etchsim" synth --shape llama-3.1-8b --quant "$q" -o "$f" >/dev/null; t1=$(now)
  bytes=$(stat -c %s "$f")
  t2=$(now); dd if=/dev/zero of="$dir/dd.bin" bs=64M count=$((bytes / 67108864)) conv=fsync status=none; t3=$(now)
  rm -f "$dir/dd.bin"
  t4=$(now); "$etchsim" inspect --json "$f" >"$dir/inspect.json"; t5=$(now)
  params=$(python3 -c "import json;print(json.load(open('$dir/inspect.json'))['totals']['parameters'])")
  awk -v q="$q" -v b="$bytes" -v s="$t0" -v e="$t1" -v ds="$t2" -v de="$t3" -v is="$t4" -v ie="$t5" -v p="$params" 'BEGIN {
    printf "%-6s %.2f GB  synth %.1f s (%.2f GB/s)  dd %.2f GB/s  ratio %.2f  inspect %.3f s  %.3f B params\n",
      q, b/1e9, e-s, b/1e9/(e-s), b/1e9/(de-ds), (b/(e-s))/(b/(de-ds)), ie-is, p/1e9 }'
  if [ -d "$root/tests/reference/node_modules" ]; then
    node "$root/tests/reference/load_model.mjs" "$f" >/dev/null 2>"$dir/llama.log" \
      && echo "       llama.cpp loads it" || { echo "       llama.cpp FAILED to load it"; tail -5 "$dir/llama.log"; }
  fi
  rm -f "$f"
done
