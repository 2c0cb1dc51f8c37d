#!/usr/bin/env bash
# The full cross product of one weight type with every lanes x adder-levels setting the RTL
# generator claims: `etchsim rtl-check` on one row of the layer's down unit for lanes 8, 16, 32,
# 64 and adder_levels_per_stage 1, 2, 4 (12 Verilator builds; the Verilator runtime is compiled
# once and cached, so each costs about the unit alone). Every build must match golden bit for bit
# and arch/'s latency and interval.
#   cross_product.sh ETCHSIM WORKDIR TINY_TOML "SYNTH ARGS"
set -euo pipefail
etchsim=$1 work=$2 tiny=$3 synth_args=$4
command -v verilator >/dev/null || { echo "verilator not installed: skipped"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
# shellcheck disable=SC2086
"$etchsim" synth -o "$work/model.gguf" --layers 1 $synth_args >"$work/synth.log" 2>&1
failed=0
for lanes in 8 16 32 64; do
  for levels in 1 2 4; do
    case_dir="$work/lanes${lanes}_levels${levels}"
    set +e
    "$etchsim" rtl-check "$work/model.gguf" --layer 0 --config "$tiny" \
      --set datapath.activation_lanes=$lanes --set datapath.adder_levels_per_stage=$levels \
      --units down --rows 0-0 -o "$case_dir" >"$case_dir.json" 2>"$case_dir.stderr"
    rc=$?
    set -e
    summary=$(python3 - "$case_dir.json" <<'PY'
import json, sys
try:
    u = json.load(open(sys.argv[1]))["units"][0]
except Exception as e:  # no report: rtl-check failed before writing one
    print("no report:", e); sys.exit(0)
print(f"latency {u['latency']} (formula {u['formula_latency']}), interval "
      f"{u['interval']} (formula {u['formula_interval']}), int/fp32 mismatches "
      f"{u['int_mismatches']}/{u['fp32_mismatches']}, passed {u['passed']}")
PY
)
    echo "lanes $lanes levels $levels: exit $rc; $summary"
    if [ $rc -ne 0 ] || ! grep -q '"passed": true' "$case_dir.json"; then
      cat "$case_dir.stderr"
      failed=1
    fi
    rm -rf "$case_dir"  # the build; the report stays
  done
done
exit $failed
