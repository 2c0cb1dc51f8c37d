#!/usr/bin/env bash
# Builds everything and runs every test, on a fresh machine: installs what is missing, builds
# Release and runs ctest (unit tests and the llama.cpp / @huggingface/gguf cross-checks), then
# builds again with AddressSanitizer + UndefinedBehaviorSanitizer and runs the same tests.
# SANITIZE=0 skips the sanitizer pass (local iteration only; CI runs it). The RTL tool tests (label
# rtl-tools: Verilator builds and Yosys runs of generated RTL) run in the Release pass only.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)
"$root/scripts/setup-deps.sh"

# The cross-check's Node project: installed from its lockfile, no network at run time.
ref="$root/tests/reference"
stamp="$ref/node_modules/.etchsim-lock"
if [ ! -f "$stamp" ] || ! cmp -s "$ref/package-lock.json" "$stamp"; then
  echo "== npm ci (tests/reference: node-llama-cpp, @huggingface/gguf)"
  (cd "$ref" && NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm ci --omit=optional --no-audit --no-fund --loglevel=error)
  cp "$ref/package-lock.json" "$stamp"
fi

echo "== build (Release)"
BUILD_DIR="$root/build" "$root/scripts/build.sh"
echo "== ctest (Release)"
ctest --test-dir "$root/build" --output-on-failure --parallel "$jobs" --timeout 900

if [ "${SANITIZE:-1}" != "0" ]; then
  echo "== build (AddressSanitizer + UndefinedBehaviorSanitizer)"
  # -O1 -g1 (line tables, no variables: enough for the sanitizers' stack traces) compiles in about
  # half the time of RelWithDebInfo's -O2 -g (cmd_compare.cpp: 57 s against 102 s on 2 cores), the
  # largest part of CI's time.
  BUILD_DIR="$root/build-asan" "$root/scripts/build.sh" -DETCHSIM_SANITIZE=ON -DETCHSIM_BUILD_BENCH=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG"
  echo "== ctest (sanitizers)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$root/build-asan" --output-on-failure --parallel "$jobs" --timeout 1800 -LE rtl-tools
fi
echo "== all tests passed"
