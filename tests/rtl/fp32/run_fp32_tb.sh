#!/usr/bin/env bash
# run_fp32_tb.sh BUILD_DIR [RANDOM_FMA_COUNT] [SEED]
#
# Checks src/rtl/verilog/etchsim_fp32.v:
#   1. verilator --lint-only -Wall, once per module as top;
#   2. Yosys synthesis smoke check per module (synth -flatten, abc -g cmos2,
#      stat -tech cmos), printing the estimated transistor count;
#   3. builds fp32_tb.cpp + fp32_tb_top.v with Verilator into BUILD_DIR and
#      runs it (bit-exact comparison against the C++ references).
# Exits 77 (ctest SKIP_RETURN_CODE) when verilator is not on PATH.  Yosys
# missing only skips step 2, with a message.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=${1:?usage: run_fp32_tb.sh BUILD_DIR [RANDOM_FMA_COUNT] [SEED]}
count=${2:-4000000}
seed=${3:-0x5eed0f32}
rtl=$root/src/rtl/verilog/etchsim_fp32.v
modules="etchsim_fp32_fma etchsim_fp32_from_int etchsim_fp16_to_fp32"

if ! command -v verilator >/dev/null 2>&1; then
  echo "SKIP: verilator not on PATH"
  exit 77
fi
mkdir -p "$build"

for m in $modules; do
  verilator --lint-only -Wall "$rtl" --top-module "$m"
done
echo "lint: verilator -Wall clean for: $modules"

if command -v yosys >/dev/null 2>&1; then
  # Synthesis takes most of this script's time, so a result is reused while
  # the RTL file and the Yosys version are unchanged (key file next to it).
  key=$( (sha256sum <"$rtl"; yosys -V) | sha256sum | cut -d' ' -f1)
  for m in $modules; do
    out=$build/yosys_$m.txt
    note=""
    if [ -s "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ]; then
      note=" (cached)"
    else
      rm -f "$out" "$out.key"
      # stat goes to a file through tee because -q silences the log.
      yosys -q -p "read_verilog $rtl; synth -top $m -flatten; abc -g cmos2; tee -q -o $out stat -tech cmos"
      echo "$key" >"$out.key"
    fi
    n=$(sed -n 's/.*Estimated number of transistors: *\([0-9][0-9.kM+]*\).*/\1/p' "$out" | tail -n 1)
    if [ -z "$n" ]; then
      echo "yosys: $m: no transistor estimate in $out"
      exit 1
    fi
    echo "yosys: $m: estimated transistors (cmos): $n$note"
  done
else
  echo "yosys not on PATH: synthesis smoke check skipped"
fi

# -ffp-contract=off and no -mfma: the references must be plain libm fmaf,
# mulss and addss (see fp32_tb.cpp).
verilator --cc --build --exe -O3 -j 1 --quiet-exit \
  --top-module etchsim_fp32_tb_top --Mdir "$build/obj" -o fp32_tb \
  -CFLAGS "-O2 -std=c++17 -ffp-contract=off" \
  "$rtl" "$here/fp32_tb_top.v" "$here/fp32_tb.cpp" >"$build/verilator_build.log" 2>&1 || {
  cat "$build/verilator_build.log"
  exit 1
}
"$build/obj/fp32_tb" "$count" "$seed"
