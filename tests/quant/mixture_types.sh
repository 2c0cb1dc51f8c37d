#!/usr/bin/env bash
# The types llama-quantize gave a mixture file equal the per-layer rules etchsim's schemes follow
# (model/quant_scheme: `etchsim synth --quant q4_k_m` plans the same types for the same shape).
#   mixture_types.sh ETCHSIM LLAMA_QUANTIZED.gguf SCHEME SYNTH-SHAPE-ARGS...
set -euo pipefail
etchsim=$1 quantized=$2 scheme=$3
shift 3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$etchsim" synth "$@" --quant "$scheme" -o "$dir/planned.gguf" >/dev/null 2>&1
types() {
  "$etchsim" inspect --json "$1" |
    python3 -c 'import json,sys; [print(t["name"], t["type"]) for t in json.load(sys.stdin)["tensors"] if t["name"].endswith(".weight") and len(t["shape"]) > 1]' |
    sort
}
types "$quantized" >"$dir/llama.txt"
types "$dir/planned.gguf" >"$dir/etchsim.txt"
if ! diff -u "$dir/llama.txt" "$dir/etchsim.txt"; then
  echo "mixture_types: $scheme: llama-quantize's types (-) differ from etchsim's rules (+)" >&2
  exit 1
fi
layers=$(grep -c 'attn_v.weight' "$dir/llama.txt")
kinds=$(grep 'attn_v.weight\|ffn_down.weight' "$dir/llama.txt" | awk '{print $2}' | sort -u | tr '\n' ' ')
echo "mixture_types: $scheme: $(wc -l <"$dir/llama.txt") matrices over $layers layers agree (attn_v/ffn_down types: $kinds)"
