#!/usr/bin/env bash
# `etchsim quantize` beside llama.cpp's llama-quantize (scripts/llama-oracle.sh) on the same
# synthesized F32 model, interleaved, best of N runs each, with the load average printed: speed
# (wall time, million weights per second) and that both files are identical.
# Usage: bench/quantize_vs_llama.sh [SCHEME ...] (default mix36 q4_k); N=${RUNS:-3};
# model: SYNTH_ARGS (default a 8-layer, 512-wide shape, ~110 MB of F32). Threads: both use all
# cores (llama-quantize is given nproc).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
etchsim=${BUILD_DIR:-$root/build}/etchsim
bin=$("$root/scripts/llama-oracle.sh" | tail -1)
dir=$(mktemp -d "${BENCH_DIR:-/tmp}/etchsim-qbench-XXXXXX")
trap 'rm -rf "$dir"' EXIT
schemes=("${@:-mix36 q4_k}")
read -r -a schemes <<<"${schemes[*]}"
runs=${RUNS:-3}
synth_args=${SYNTH_ARGS:---shape small --layers 8 --embd 512 --ff 1536 --heads 8 --kv-heads 4}
"$etchsim" synth $synth_args --quant f32 --seed 1 -o "$dir/in.gguf" >/dev/null
params=$("$etchsim" inspect --json "$dir/in.gguf" | python3 -c "import json,sys;print(json.load(sys.stdin)['totals']['parameters'])")
now() { date +%s.%N; }
for s in "${schemes[@]}"; do
  case "$s" in
    mix36) type=Q3_K opts=(--tensor-type attn_v=q6_k --tensor-type ffn_down=q6_k --tensor-type '^output\.weight=q6_k') ;;
    *) type=${s^^} opts=() ;;
  esac
  best_e=1e9 best_l=1e9
  for _ in $(seq "$runs"); do
    t0=$(now); "$etchsim" quantize "$dir/in.gguf" -o "$dir/e.gguf" --scheme "$s" 2>/dev/null; t1=$(now)
    "$bin/llama-quantize" --pure "${opts[@]}" "$dir/in.gguf" "$dir/l.gguf" "$type" "$(nproc)" >/dev/null 2>&1
    t2=$(now)
    best_e=$(awk -v a="$best_e" -v b="$(awk -v s="$t0" -v e="$t1" 'BEGIN{print e-s}')" 'BEGIN{print (b<a)?b:a}')
    best_l=$(awk -v a="$best_l" -v b="$(awk -v s="$t1" -v e="$t2" 'BEGIN{print e-s}')" 'BEGIN{print (b<a)?b:a}')
  done
  same=$(cmp -s "$dir/e.gguf" "$dir/l.gguf" && echo identical || echo DIFFERENT)
  awk -v s="$s" -v p="$params" -v e="$best_e" -v l="$best_l" -v same="$same" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
    printf "%-6s %.1f M weights  etchsim %.2f s (%.0f M/s)  llama-quantize %.2f s (%.0f M/s)  ratio %.2f  files %s  load %s\n",
      s, p/1e6, e, p/1e6/e, l, p/1e6/l, l/e, same, load }'
done
