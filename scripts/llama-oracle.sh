#!/usr/bin/env bash
# Builds llama.cpp's llama-quantize and llama-perplexity (the oracles of `etchsim quantize` and
# `etchsim perplexity`) from the llama.cpp source that node-llama-cpp ships as a git bundle
# (tests/reference/node_modules/node-llama-cpp/llama/gitRelease.bundle, present after the
# `npm ci` in tests/reference that scripts/test.sh runs). CPU only, Release, only those two
# targets. The result is cached outside the clone, keyed by the bundle's commit:
#   ${ETCHSIM_LLAMA_ORACLE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/etchsim/llama-oracle}/<commit>/bin
# A warm cache costs only `git bundle list-heads`. The last line on stdout is the bin directory;
# the time taken goes to stderr. Concurrent callers (ctest --parallel) serialise on a lock file;
# a build is moved into place only when complete, so a killed build leaves nothing half-made.
#
# Usage: scripts/llama-oracle.sh [--bundle FILE] [--jobs N]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bundle="${ETCHSIM_LLAMA_BUNDLE:-$root/tests/reference/node_modules/node-llama-cpp/llama/gitRelease.bundle}"
jobs=$(nproc)
while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) bundle="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "llama-oracle.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if ! [[ "$jobs" =~ ^[1-9][0-9]{0,2}$ ]]; then
  echo "llama-oracle.sh: --jobs must be an integer from 1 to 999, got '$jobs'" >&2; exit 2
fi
if [ ! -f "$bundle" ]; then
  echo "llama-oracle.sh: no llama.cpp bundle at $bundle; run" \
    "'NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm ci --omit=optional' in $root/tests/reference first" >&2
  exit 1
fi

start=$(date +%s.%N)
commit=$(git bundle list-heads "$bundle" | awk '$2 == "HEAD" { print $1 }')
if ! [[ "$commit" =~ ^[0-9a-f]{40}$ ]]; then
  echo "llama-oracle.sh: $bundle has no HEAD commit (not a git bundle?)" >&2; exit 1
fi
cache="${ETCHSIM_LLAMA_ORACLE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/etchsim/llama-oracle}"
final="$cache/$commit"
mkdir -p "$cache"

elapsed() { awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }'; }

exec 9>"$cache/$commit.lock"
flock 9
if [ -x "$final/bin/llama-quantize" ] && [ -x "$final/bin/llama-perplexity" ]; then
  echo "llama-oracle.sh: warm cache ($commit), $(elapsed) s" >&2
  echo "$final/bin"
  exit 0
fi

work=$(mktemp -d "$cache/.build-$commit.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "llama-oracle.sh: building llama-quantize and llama-perplexity of llama.cpp $commit" \
  "(cold cache, $jobs jobs)" >&2
git clone --quiet "$bundle" "$work/src" 2>/dev/null
git -C "$work/src" -c advice.detachedHead=false checkout --quiet "$commit"
# CPU back end only (GPU back ends are off by default; named here so that stays true), no HTTPS
# or subprocess support, no tests/examples/server/app. GGML_NATIVE=OFF with the x86 defaults
# (SSE4.2, AVX, AVX2, BMI2, FMA, F16C) is a Haswell-level build on any x86-64 host, the numerics
# `etchsim golden --numerics haswell` (the default) follows; the build does not depend on the
# machine that made the cache.
cmake -S "$work/src" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=OFF -DGGML_CCACHE=OFF \
  -DGGML_CUDA=OFF -DGGML_VULKAN=OFF -DGGML_METAL=OFF -DGGML_HIP=OFF -DGGML_SYCL=OFF \
  -DGGML_OPENCL=OFF -DGGML_RPC=OFF -DGGML_BLAS=OFF \
  -DLLAMA_OPENSSL=OFF -DLLAMA_SUBPROCESS=OFF -DLLAMA_LLGUIDANCE=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF \
  -DLLAMA_BUILD_APP=OFF -DLLAMA_BUILD_UI=OFF >"$work/configure.log" 2>&1 ||
  { cat "$work/configure.log" >&2; echo "llama-oracle.sh: cmake configure failed" >&2; exit 1; }
cmake --build "$work/build" --target llama-quantize llama-perplexity -j "$jobs" \
  >"$work/build.log" 2>&1 ||
  { tail -50 "$work/build.log" >&2; echo "llama-oracle.sh: build failed" >&2; exit 1; }
mkdir -p "$work/out/bin"
cp "$work/build/bin/llama-quantize" "$work/build/bin/llama-perplexity" "$work/out/bin/"
echo "$commit" >"$work/out/COMMIT"
rm -rf "$final"
mv "$work/out" "$final"
echo "llama-oracle.sh: built in $(elapsed) s (cold); cached at $final" >&2
echo "$final/bin"
