#!/usr/bin/env bash
# Speed of the RTL flow (docs/rtl.md "Figures"): Verilator build time of a generated unit, and
# simulated cycles per wall second of the Verilated unit next to the formula-timed chip on the
# same model and tokens. Prints the load average first: figures under load (> 1 on 2 cores) are
# not figures.
#   bench/rtl_speed.sh [ETCHSIM] [WORKDIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
etchsim=${1:-$root/build/etchsim}
work=${2:-$(mktemp -d)}
mkdir -p "$work"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$etchsim" synth -o "$work/m.gguf" --shape llama-3.1-8b --quant mix36 --layers 1 \
  --vocab-size 512 >/dev/null 2>&1
tokens=$(seq -s, 1 32)
"$etchsim" rtl-check "$work/m.gguf" --layer 0 --units down --rows 0-0 --tokens "$tokens" \
  -o "$work/rtl" >"$work/check.json" 2>/dev/null
"$etchsim" run "$work/m.gguf" --mode timing --tokens "$tokens" -n 1 --report "$work/run.json" \
  >/dev/null 2>&1
python3 - "$work/check.json" "$work/run.json" <<'PY'
import json, sys
check, run = (json.load(open(p)) for p in sys.argv[1:3])
u = check["units"][0]
print(f"verilator build ({u['module']}, {u['rows']} row x 14336): {u['verilator_build_s']:.1f} s")
print(f"verilated unit: {u['cycles']} cycles in {u['sim_s']:.4f} s = {u['cycles'] / u['sim_s']:,.0f} cycles/s")
sim = run["simulation"]
print(f"formula-timed chip (1 layer + LM head): {run['cycles_total']} cycles in "
      f"{sim['wall_seconds']:.4f} s = {run['cycles_total'] / sim['wall_seconds']:,.0f} cycles/s")
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
