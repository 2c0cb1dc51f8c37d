#!/usr/bin/env bash
# RTL in the loop: `etchsim run` with --rtl-units gives the same tokens and every cycle count of
# the ordinary run (the report equal but for wall-clock fields and the rtl_units list), and the
# in-the-loop units' fp32 outputs equal numerics' (functional runs).
#   rtl_loop.sh ETCHSIM WORKDIR "SYNTH ARGS" "RUN ARGS" UNITS
set -euo pipefail
etchsim=$1 work=$2 synth_args=$3 run_args=$4 units=$5
command -v verilator >/dev/null || { echo "verilator not installed: skipped"; exit 77; }
command -v python3 >/dev/null || { echo "python3 not installed: skipped"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
# SYNTH ARGS "quantize IN.gguf --scheme S": a real model quantized by etchsim quantize instead.
if [[ $synth_args == quantize\ * ]]; then
  # shellcheck disable=SC2086
  "$etchsim" quantize ${synth_args#quantize } -o "$work/model.gguf" >"$work/synth.log" 2>&1
else
  # shellcheck disable=SC2086
  "$etchsim" synth -o "$work/model.gguf" $synth_args >"$work/synth.log" 2>&1
fi
for mode in functional timing; do
  # shellcheck disable=SC2086
  "$etchsim" run "$work/model.gguf" --mode "$mode" $run_args --report "$work/plain.json" \
    >"$work/plain.txt" 2>&1
  # shellcheck disable=SC2086
  "$etchsim" run "$work/model.gguf" --mode "$mode" $run_args --rtl-units "$units" \
    --rtl-dir "$work/rtl" --report "$work/rtl.json" >"$work/rtl.txt" 2>&1 ||
    { cat "$work/rtl.txt"; exit 1; }
  python3 - "$work/plain.json" "$work/rtl.json" "$units" "$mode" <<'PY'
import json, sys
plain, rtl = (json.load(open(p)) for p in sys.argv[1:3])
units, mode = sys.argv[3].split(","), sys.argv[4]
stepped = rtl["rtl_units"]
assert [u["name"] for u in stepped] == units, stepped
for u in stepped:
    assert u["tokens"] > 1 and u["rtl_cycles"] > 0, u
    assert u["mismatches"] == 0, u
    if mode == "functional":
        assert u["outputs_checked"] > 0, u
assert plain["rtl_units"] == [], plain["rtl_units"]
for r in (plain, rtl):
    r.pop("simulation"); r.pop("rtl_units")
if plain != rtl:
    for k in plain:
        if plain[k] != rtl.get(k):
            print("differs:", k, plain[k], "vs", rtl.get(k))
    sys.exit(1)
print(mode, "run with RTL in the loop equals the ordinary run;", stepped)
PY
  rm -rf "$work/rtl"
done
