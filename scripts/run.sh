#!/usr/bin/env bash
# The main job, on a fresh machine: install what is missing, build, then etch a real trained model
# (models/stories260K.gguf, quantized to the chip's 3/6-bit mix) and let the chip tell a story,
# simulate the flagship chip (Llama 3.1 8B shape on configs/hc1.toml, 1024-token prompt + 1024
# generated, timing mode) and a functional run of a synthesized tiny model that prints its
# tokens. Outputs go to out/ (override with OUT_DIR).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup-deps.sh"
"$root/scripts/build.sh"
etchsim=${BUILD_DIR:-$root/build}/etchsim
out=${OUT_DIR:-$root/out}
mkdir -p "$out"

echo "== etchsim quantize: a real trained model (stories260K, llama2.c's TinyStories model) to mix36"
"$etchsim" quantize "$root/models/stories260K.gguf" -o "$out/stories260K-mix36.gguf" --scheme mix36
echo
echo "== etchsim run: the chip tells a story (its ffn_down rows of 172 stay F16: allowed explicitly)"
"$etchsim" run "$out/stories260K-mix36.gguf" --prompt "Once upon a time" -n 64 \
  --set weight_cells.allow_f16_weights=true --report "$out/stories.json"
echo
echo "== etchsim run: the flagship (llama-3.1-8b shape, configs/hc1.toml, 1 user, 1024 + 1024 tokens)"
"$etchsim" run --report "$out/flagship.json"
echo
echo "== etchsim synth: a tiny Llama model (2 layers, embd 64) with random q8_0 weights"
"$etchsim" synth --shape tiny --quant q8_0 --seed 1 -o "$out/tiny-q8_0.gguf"
echo
echo "== etchsim inspect $out/tiny-q8_0.gguf"
"$etchsim" inspect "$out/tiny-q8_0.gguf"
echo
echo "== etchsim golden: the reference forward pass generates 16 tokens (random weights: random text)"
"$etchsim" golden "$out/tiny-q8_0.gguf" --prompt "Hello, world" -n 16 --ignore-eos
echo
echo "== etchsim run: the tiny model on configs/tiny.toml, functional (same tokens as golden), 2 users"
"$etchsim" run "$out/tiny-q8_0.gguf" --config "$root/configs/tiny.toml" --prompt "Hello, world" -n 16 \
  --users 2 --vcd "$out/tiny.vcd" --report "$out/tiny.json"
echo "(trace: $out/tiny.vcd, open with: gtkwave $out/tiny.gtkw)"
