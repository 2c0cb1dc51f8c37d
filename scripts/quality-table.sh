#!/usr/bin/env bash
# quality-table.sh: the quality-versus-silicon table of docs/quality.md. For each weight scheme,
# `etchsim quantize` the model, `etchsim perplexity` it against the unquantized model (PPL, KL
# divergence, top-1 agreement), and `etchsim run` the quantized file in timing mode on the chip
# (cycles per generated token, tokens/s per user, the matvec silicon: weight cells, product
# banks, adder trees and pipeline registers). Prints a Markdown table and writes OUT/quality.json.
#   scripts/quality-table.sh [--model M.gguf] [--text T.txt] [--ctx N] [--config C.toml]
#                            [--schemes "f32 f16 ..."] [-o OUT] [--etchsim PATH]
# Defaults: models/stories260K.gguf, models/eval-stories.txt, ctx 128, the default chip config
# (hc1), every scheme, out/quality.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
model="$root/models/stories260K.gguf" text="$root/models/eval-stories.txt" ctx=128 config=""
schemes="f32 f16 q8_0 q6_k q4_k mix36 q4_0 q3_k" out="$root/out/quality" etchsim=""
while [ $# -gt 0 ]; do
  case $1 in
    --model) model=$2; shift 2 ;;
    --text) text=$2; shift 2 ;;
    --ctx) ctx=$2; shift 2 ;;
    --config) config=$2; shift 2 ;;
    --schemes) schemes=$2; shift 2 ;;
    -o) out=$2; shift 2 ;;
    --etchsim) etchsim=$2; shift 2 ;;
    -h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "quality-table.sh: unknown argument '$1' (--help)" >&2; exit 2 ;;
  esac
done
[ -n "$etchsim" ] || etchsim="$root/build/etchsim"
[ -x "$etchsim" ] || { echo "quality-table.sh: no etchsim at $etchsim (scripts/build.sh)" >&2; exit 2; }
for f in "$model" "$text"; do [ -f "$f" ] || { echo "quality-table.sh: no file $f" >&2; exit 2; }; done
mkdir -p "$out"
config_args=()
[ -z "$config" ] || config_args=(--config "$config")

for s in $schemes; do
  echo "== $s" >&2
  file="$out/model-$s.gguf"
  if [ "$s" = f32 ]; then
    cp "$model" "$file"
    echo "" >"$out/$s.quantize.txt"
  else
    "$etchsim" quantize "$model" -o "$file" --scheme "$s" >"$out/$s.quantize.txt" 2>&1
  fi
  "$etchsim" perplexity "$file" --text "$text" --ctx "$ctx" --base "$model" --json \
    >"$out/$s.ppl.json" 2>"$out/$s.ppl.log"
  # Float weights are not cells: F16 rows run at their modelled cost, F32 ones do not run.
  if "$etchsim" run "$file" "${config_args[@]}" --mode timing --prompt "Once upon a time" -n 64 \
    --set weight_cells.allow_f16_weights=true --report "$out/$s.run.json" >"$out/$s.run.txt" 2>&1; then
    :
  else
    rm -f "$out/$s.run.json"
  fi
done

python3 - "$out" "$schemes" <<'PY'
import json, os, re, sys
out, schemes = sys.argv[1], sys.argv[2].split()
rows = []
for s in schemes:
    q = open(os.path.join(out, f"{s}.quantize.txt")).read()
    m = re.search(r"([0-9.]+) bits/weight", q)
    ppl = json.load(open(os.path.join(out, f"{s}.ppl.json")))
    row = {"scheme": s, "bits_per_weight": float(m.group(1)) if m else 32.0,
           "ppl": ppl["ppl"]["value"], "ppl_unc": ppl["ppl"]["uncertainty"],
           "kld": ppl["kl"]["kld"]["value"], "kld_unc": ppl["kl"]["kld"]["uncertainty"],
           "top1": ppl["kl"]["same_top"]["value"]}
    run_path = os.path.join(out, f"{s}.run.json")
    if os.path.exists(run_path):
        r = json.load(open(run_path))
        a = r["area_split"]
        matvec = sum(a[k]["transistors"] for k in ("weight_cells", "product_banks", "adders", "registers"))
        u = r["users"][0]
        row.update(cells=r["cells"], tpot_cycles=u["tpot_cycles"], ttft_cycles=u["ttft_cycles"],
                   tokens_per_s_per_user=r["tokens_per_s_per_user"],
                   weight_cell_transistors=a["weight_cells"]["transistors"],
                   matvec_transistors=matvec, chip_mm2=r["area_mm2"])
    rows.append(row)
json.dump(rows, open(os.path.join(out, "quality.json"), "w"), indent=2)

def m(x): return f"{x / 1e6:.1f} M"
print("| scheme | bits/weight | PPL | KLD vs f32 | top-1 | weights on the chip | cycles/token | tok/s per user | weight cells | matvec (cells + banks + trees + regs) |")
print("|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    kld = "—" if r["scheme"] == "f32" else f"{r['kld']:.6f} ± {r['kld_unc']:.6f}"
    top = "—" if r["scheme"] == "f32" else f"{100 * r['top1']:.2f} %"
    if "cells" in r:
        cells = ", ".join(f"{k} {v / 1e3:.0f} k" for k, v in sorted(r["cells"].items()))
        chip = f"{cells} | {r['tpot_cycles']:.0f} | {r['tokens_per_s_per_user']:,.0f} | {m(r['weight_cell_transistors'])} | {m(r['matvec_transistors'])}"
    else:
        chip = "not hard-wirable (f32) | — | — | — | —"
    print(f"| {r['scheme']} | {r['bits_per_weight']:.3f} | {r['ppl']:.4f} ± {r['ppl_unc']:.4f} | {kld} | {top} | {chip} |")
PY
