#!/usr/bin/env bash
# tests/rtl/synth_test.sh ETCHSIM: scripts/rtl-synth.sh on a tiny synthesized q4_0 model (one
# unit, one row, the fp32 modules not synthesized to keep CI quick: --no-fp). Checks the JSON
# and the table are well-formed: one unit with its shape, positive Yosys transistors in every
# integer block, arch/'s transistors, fp32 instances counted from the Verilog, logs written.
# Exit 77 (ctest SKIP_RETURN_CODE) when yosys or python3 is not on PATH.
set -euo pipefail
etchsim=${1:?usage: synth_test.sh ETCHSIM}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
for tool in yosys python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not on PATH"; exit 77; }
done
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$etchsim" synth -o "$dir/tiny.gguf" --quant q4_0 --layers 1 >/dev/null
"$root/scripts/rtl-synth.sh" "$dir/tiny.gguf" --layer 0 --rows 0-0 --units attn_output \
  --config "$root/configs/tiny.toml" -o "$dir/out" --no-fp --fp-cache "$dir/cache" \
  --etchsim "$etchsim"
for f in rtl-synth.json rtl-synth.txt arch.json layer0_attn_output.v layer0_attn_output.yosys.log \
  layer0_attn_output.stat; do
  [ -s "$dir/out/$f" ] || { echo "missing or empty: $f"; exit 1; }
done
grep -q '^attn_output ' "$dir/out/rtl-synth.txt" || { echo "no attn_output row in the table"; exit 1; }
python3 - "$dir/out/rtl-synth.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert len(r["units"]) == 1, r["units"]
u = r["units"][0]
assert (u["unit"], u["module"], u["rows"], u["cols"], u["lanes"]) == \
    ("attn_output", "layer0_attn_output", 1, 64, 16), u
assert u["weight_types"] == ["q4_0"], u["weight_types"]
y = u["yosys_transistors"]
for block in ("product_banks", "weight_cells", "adder_tree", "lane_accumulators", "registers",
              "integer", "fp32_stage_logic"):
    assert y[block] > 0, (block, y)
assert y["integer"] == y["product_banks"] + y["weight_cells"] + y["adders"] + y["registers"], y
assert y["fp32"] is None and y["total"] is None, y  # --no-fp
assert u["yosys_cells"] > 0 and u["yosys_seconds"] > 0
assert u["yosys_ff_bits"]["total"] > u["yosys_ff_bits"]["fp32"] > 0, u["yosys_ff_bits"]
inst = u["fp32_instances"]
assert inst["fma"] > 0 and inst["mul"] > 0 and inst["from_int"] > 0 and inst["fp16"] > 0, inst
a = u["arch"]["transistors"]
for block in ("weight_cells", "product_banks", "adders", "registers", "integer", "total"):
    assert a[block] > 0, (block, a)
assert a["fp32"] == 0, a
assert u["arch"]["rows"] == 1 and u["arch"]["cols"] == 64, u["arch"]
assert u["arch"]["product_banks"] == 16, u["arch"]
assert r["reference_transistors"]["adder_bit"] > 0 and r["reference_transistors"]["enable_ff_bit"] > 0
print("rtl-synth: ok: yosys integer %d transistors, arch %d" % (y["integer"], a["integer"]))
PY
