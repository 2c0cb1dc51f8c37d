#!/usr/bin/env bash
# Golden decode speed against llama.cpp, side by side in one run on the same
# synthesized llama-3.1-8b file, same thread count: tokens/s of both and their ratio (goal >= 1.0),
# golden's prefill tokens/s on a PREFILL-token prompt (goal >= 3x its decode), and golden's peak
# RSS (/usr/bin/time -v) against file size + KV cache (goal <= +10%: the weights stay mmapped).
# The load average is printed before and after each measurement; with ROUNDS=1 a ratio is
# reported only when the 1-minute load stayed <= 1.0 (otherwise "provisional": other work skews
# the two sides; on 2 cores the sides' own 2 threads alone lift it to about 1). With ROUNDS=N >= 2
# the two sides run alternately N times and the ratio is of their best runs (interleaved best of
# N: what disturbs one side's run disturbs the other's neighbours too), reported at any load.
#   bench/golden_vs_llamacpp.sh [QUANT ...]     (default: q4_0 q4_k)
# Environment: BUILD_DIR (default build), BENCH_DIR (default /tmp; ~5 GB free), THREADS (default
# nproc), NUMERICS (golden's --numerics, default zen4 on AVX-512 hosts, else haswell), STEPS
# (decode steps, default 8), PREFILL (prompt tokens of the prefill run, default 64), MODELS_DIR
# (keep the synthesized files there as llama8b-QUANT.gguf and reuse them on later runs: a synth
# takes minutes; without it files are made in BENCH_DIR and removed afterwards), ROUNDS (decode
# runs of each side, alternating, default 1). Needs `npm ci
# --omit=optional` in tests/reference.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
etchsim=${BUILD_DIR:-$root/build}/etchsim
threads=${THREADS:-$(nproc)}
steps=${STEPS:-8}
prefill=${PREFILL:-64}
rounds=${ROUNDS:-1}
if ! [[ $rounds =~ ^[1-9][0-9]?$ ]]; then
  echo "ROUNDS must be a whole number from 1 to 99, not '$rounds'" >&2
  exit 2
fi
# llama.cpp loads its zen4 CPU build on AVX-512 hosts, haswell otherwise; golden follows it.
numerics=${NUMERICS:-$(grep -q avx512f /proc/cpuinfo && echo zen4 || echo haswell)}
load1() { cut -d' ' -f1 /proc/loadavg; }
prompt=128000,9906,11,1917,0
dir=${BENCH_DIR:-/tmp}/etchsim-golden-bench-$$
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT
export NODE_LLAMA_CPP_SKIP_DOWNLOAD=true

echo "numerics $numerics, threads $threads, prompt 5 tokens, $steps greedy tokens ($((steps - 1)) decode steps timed), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for q in "${@:-q4_0 q4_k}"; do
  for quant in $q; do
    f="${MODELS_DIR:-$dir}/llama8b-$quant.gguf"
    if [[ -z ${MODELS_DIR:-} || ! -s $f ]]; then
      "$etchsim" synth --shape llama-3.1-8b --quant "$quant" -o "$f" >/dev/null 2>&1
    fi
    bytes=$(stat -L -c %s "$f")
    # Warm the page cache so neither side pays for disk reads.
    cat "$f" >/dev/null
    load_before=$(load1)
    golden_tps=0 llama_tps=0 rss_kb=0 same=True
    for ((round = 0; round < rounds; ++round)); do
      /usr/bin/time -v -o "$dir/time.txt" "$etchsim" golden "$f" --tokens "$prompt" -n "$steps" \
        --ignore-eos --threads "$threads" --numerics "$numerics" --json >"$dir/golden.json" 2>"$dir/golden.log"
      g=$(sed -n 's/.*decode [0-9]* tokens in [0-9.]* s (\([0-9.]*\) tokens\/s).*/\1/p' "$dir/golden.log")
      r=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$dir/time.txt")
      node "$root/bench/llamacpp_decode.mjs" "$f" --tokens "$prompt" --steps "$steps" \
        --threads "$threads" >"$dir/llama.json" 2>"$dir/llama.log"
      l=$(python3 -c "import json;print(json.load(open('$dir/llama.json'))['tokens_per_s'])")
      s=$(python3 -c "import json;print(json.load(open('$dir/golden.json'))['generated']==json.load(open('$dir/llama.json'))['generated'])")
      golden_tps=$(awk -v a="$golden_tps" -v b="$g" 'BEGIN { print (b > a ? b : a) }')
      llama_tps=$(awk -v a="$llama_tps" -v b="$l" 'BEGIN { print (b > a ? b : a) }')
      rss_kb=$((r > rss_kb ? r : rss_kb))
      [[ $s == True ]] || same=$s
    done
    prefill_ids=$(python3 -c "print(','.join(str(128000 if i == 0 else 1000 + 37 * i) for i in range($prefill)))")
    "$etchsim" golden "$f" --tokens "$prefill_ids" -n 1 --threads "$threads" --numerics "$numerics" --json \
      >/dev/null 2>"$dir/prefill.log"
    prefill_tps=$(sed -n 's/.*prompt [0-9]* tokens in [0-9.]* s (\([0-9.]*\) tokens\/s).*/\1/p' "$dir/prefill.log")
    load_after=$(load1)
    # KV cache: 32 layers x (prompt + steps) positions x 1024 (K) + 1024 (V) f16 values.
    kv=$((32 * (5 + steps) * 2048 * 2))
    awk -v q="$quant" -v b="$bytes" -v g="$golden_tps" -v l="$llama_tps" -v r="$rss_kb" -v kv="$kv" -v s="$same" \
        -v p="$prefill_tps" -v l0="$load_before" -v l1="$load_after" -v n="$rounds" 'BEGIN {
      quiet = l0 <= 1.0 && l1 <= 1.0
      if (n >= 2) ratio = sprintf("ratio %.2f (interleaved best of %d)", g/l, n)
      else ratio = quiet ? sprintf("ratio %.2f", g/l) : sprintf("ratio provisional %.2f (load > 1)", g/l)
      printf "%-5s file %.2f GB  golden %.3f tok/s  llama.cpp %.3f tok/s  %s  golden prefill %.3f tok/s = %.1fx decode  golden peak RSS %.2f GB = %.1f%% of file+KV  same tokens: %s  load %s -> %s\n",
        q, b/1e9, g, l, ratio, p, p/g, r*1024/1e9, 100*r*1024/(b+kv), s, l0, l1 }'
    [[ -n ${MODELS_DIR:-} ]] || rm -f "$f"
  done
done
