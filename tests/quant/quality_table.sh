#!/usr/bin/env bash
# scripts/quality-table.sh on stories260K with three schemes: one table row and one quality.json
# entry per scheme, the f32 row the base itself (KL ~0, top-1 1), quantization costing quality in
# the expected order (q8_0 < mix36 in KL), and the chip's figures present for the hard-wired ones.
#   quality_table.sh ETCHSIM WORKDIR
set -euo pipefail
etchsim=$1 work=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
command -v python3 >/dev/null || { echo "python3 not installed: skipped"; exit 77; }
rm -rf "$work"
"$root/scripts/quality-table.sh" --etchsim "$etchsim" --schemes "f32 q8_0 mix36" -o "$work" \
  >"$work.md"
cat "$work.md"
[ "$(grep -c '^| \(f32\|q8_0\|mix36\) |' "$work.md")" -eq 3 ]
python3 - "$work/quality.json" <<'PY'
import json, math, sys
rows = {r["scheme"]: r for r in json.load(open(sys.argv[1]))}
assert list(rows) == ["f32", "q8_0", "mix36"], list(rows)
# Against itself: top-1 always agrees; KL is not exactly 0, as in llama-perplexity, whose base
# log-probabilities are stored at 16 bits (etchsim computes them as it does).
assert rows["f32"]["kld"] < 1e-5 and rows["f32"]["top1"] == 1, rows["f32"]
assert 0 < rows["q8_0"]["kld"] < rows["mix36"]["kld"], rows
assert rows["q8_0"]["bits_per_weight"] > rows["mix36"]["bits_per_weight"], rows
for s in ("q8_0", "mix36"):
    r = rows[s]
    assert math.isfinite(r["ppl"]) and r["ppl"] > 1, r
    assert r["tpot_cycles"] > 0 and r["matvec_transistors"] > r["weight_cell_transistors"] > 0, r
assert "q4_0" in rows["mix36"]["cells"] and "q8_0" in rows["mix36"]["cells"], rows["mix36"]
print("quality table: OK")
PY
