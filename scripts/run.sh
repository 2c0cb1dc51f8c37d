#!/usr/bin/env bash
# The main job, on a fresh machine: install what is missing, build, then synthesize a tiny
# random-weight Llama model and inspect it. Outputs go to out/ (override with OUT_DIR).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup-deps.sh"
"$root/scripts/build.sh"
etchsim=${BUILD_DIR:-$root/build}/etchsim
out=${OUT_DIR:-$root/out}
mkdir -p "$out"

echo "== etchsim synth: a tiny Llama model (2 layers, embd 64) with random q8_0 weights"
"$etchsim" synth --shape tiny --quant q8_0 --seed 1 -o "$out/tiny-q8_0.gguf"
echo
echo "== etchsim inspect $out/tiny-q8_0.gguf"
"$etchsim" inspect "$out/tiny-q8_0.gguf"
echo
echo "== etchsim golden: the reference forward pass generates 16 tokens (random weights: random text)"
"$etchsim" golden "$out/tiny-q8_0.gguf" --prompt "Hello, world" -n 16 --ignore-eos
