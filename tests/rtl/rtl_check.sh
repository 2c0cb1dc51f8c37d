#!/usr/bin/env bash
# One `etchsim rtl-check` case: synthesize a model, check the generated RTL of a layer's units
# against golden (values) and arch/ (cycles) under Verilator.
#   rtl_check.sh ETCHSIM WORKDIR EXPECT "SYNTH ARGS" "RTL-CHECK ARGS"
# EXPECT: pass (exit 0, every unit passed) or fail (exit 3 with a value or timing mismatch: the
# injected-fault cases). Skips (77) without verilator.
set -euo pipefail
etchsim=$1 work=$2 expect=$3 synth_args=$4 check_args=$5
command -v verilator >/dev/null || { echo "verilator not installed: skipped"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
# shellcheck disable=SC2086
"$etchsim" synth -o "$work/model.gguf" --layers 1 $synth_args >"$work/synth.log" 2>&1
set +e
# shellcheck disable=SC2086
"$etchsim" rtl-check "$work/model.gguf" --layer 0 -o "$work/rtl" $check_args >"$work/report.json" \
  2>"$work/stderr.log"
rc=$?
set -e
cat "$work/report.json"
case $expect in
  pass)
    if [ $rc -ne 0 ]; then cat "$work/stderr.log"; echo "rtl-check exited $rc"; exit 1; fi
    grep -q '"passed": true' "$work/report.json"
    if grep -q '"passed": false' "$work/report.json"; then echo "a unit failed"; exit 1; fi
    ;;
  fail)
    if [ $rc -ne 3 ]; then cat "$work/stderr.log"; echo "expected exit 3, got $rc"; exit 1; fi
    grep -Eq '"(int|fp32|timing)_mismatches": [1-9]' "$work/report.json"
    ;;
esac
rm -rf "$work/rtl" "$work/model.gguf"  # large; the report stays
