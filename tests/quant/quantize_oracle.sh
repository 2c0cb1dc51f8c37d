#!/usr/bin/env bash
# `etchsim quantize` against llama.cpp's llama-quantize (built by scripts/llama-oracle.sh): the
# two output files must be identical byte for byte (metadata, tensor order, tensor data).
# Usage: quantize_oracle.sh ETCHSIM OUT_DIR INPUT.gguf SCHEME [--keep-output-f16]
set -euo pipefail
etchsim=$1 out_dir=$2 input=$3 scheme=$4 keep=${5:-}
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$("$root/scripts/llama-oracle.sh" | tail -1)
mkdir -p "$out_dir"
stem="$(basename "${input%.gguf}")-$scheme${keep:+-keepf16}"
ours="$out_dir/$stem.etchsim.gguf" theirs="$out_dir/$stem.llama.gguf"
rm -f "$ours" "$theirs"

# The llama-quantize command each scheme stands for (docs/quantize.md).
args=(--pure)
case "$scheme" in
  mix36) type=Q3_K
    args+=(--tensor-type attn_v=q6_k --tensor-type ffn_down=q6_k --tensor-type '^output\.weight=q6_k') ;;
  q3_k | q4_0 | q4_k | q6_k | q8_0 | f16 | f32) type=${scheme^^} ;;
  *) echo "unknown scheme $scheme" >&2; exit 2 ;;
esac
[ -n "$keep" ] && args+=(--output-tensor-type f16)
args+=(--allow-requantize)  # Q8_0 inputs; no effect on float inputs
"$bin/llama-quantize" "${args[@]}" "$input" "$theirs" "$type" 1 >"$out_dir/$stem.llama.log" 2>&1 ||
  { cat "$out_dir/$stem.llama.log"; echo "llama-quantize failed" >&2; exit 1; }
"$etchsim" quantize "$input" -o "$ours" --scheme "$scheme" ${keep:+--keep-output-f16}

if cmp -s "$ours" "$theirs"; then
  echo "identical: $(stat -c %s "$ours") bytes ($scheme${keep:+, output f16})"
  exit 0
fi
echo "FAIL: $ours and $theirs differ ($(stat -c %s "$ours") vs $(stat -c %s "$theirs") bytes)"
cmp "$ours" "$theirs" | head -1 || true
echo "first differing bytes (offset, ours, theirs, octal):"
cmp -l "$ours" "$theirs" | head -5 || true
"$etchsim" inspect "$ours" --json >"$out_dir/$stem.etchsim.json" || true
"$etchsim" inspect "$theirs" --json >"$out_dir/$stem.llama.json" || true
diff <(grep -v '"offset"' "$out_dir/$stem.etchsim.json") \
  <(grep -v '"offset"' "$out_dir/$stem.llama.json") | head -20 || true
exit 1
