#!/usr/bin/env bash
# rtl-synth.sh: synthesize etchsim's generated matvec RTL with Yosys and put the gate-level
# transistor estimate next to what arch/'s area model assigns to the same unit and rows.
# `rtl-synth.sh --help` explains; docs/validation.md ("RTL synthesis vs the area model") has
# measured tables and what they mean.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: scripts/rtl-synth.sh MODEL.gguf --layer N [--rows A-B] [--units LIST] [--lm-head]
                            [--config FILE] [--set key=value]... [-o DIR]
                            [--no-fp] [--full] [--fp-cache DIR] [--etchsim PATH]

Runs `etchsim rtl` (the same options) into DIR, then per generated unit (layerN_qkv, ...):

 1. Yosys on the unit with the fp32 modules of etchsim_fp32.v as black boxes (integer part):
      read_verilog -lib etchsim_fp32.v; read_verilog UNIT.v
      synth -top UNIT -flatten -noabc; splitnets; dffunmap
      abc -g cmos2 (once per block, see below); stat -tech cmos
    The combinational cells are split by input cone (bit by bit: splitnets) before mapping, and
    each block is mapped by its own ABC run (as separate blocks of a hierarchical flow would be):
      product_banks  cone of bank_*          (activation x 0..15, shared by all rows)
      weight_cells   cone of p_r*, WD_*_w, WM_*_w minus the banks (per weight a 4-bit code
                     over the chunk index selecting a product: a mux; block-scale ROMs)
      adders         cones of the tree registers (*_q) and of the integer lane accumulators
                     (lane_*): joins, tree, code offsets, sub-block scales, lane steering
      registers      flip-flops (16 transistors each in Yosys's cmos table) + their enable /
                     reset logic (what dffunmap makes of enable flip-flops)
      control        the rest (chunk counter, valid pipeline, block index arithmetic)
      fp32           fp32 stage registers (c_r*, cm_r*, acc_r*) and their glue logic, plus
                     every fp32 instance added back at the transistors of one such module
                     synthesized alone (fma; fma with c = -0: multiply; fma with b = 1: add;
                     int->float; half->float), cached in --fp-cache
 2. `etchsim rtl-area` (same options): arch/'s counts for the same unit and rows.

Prints a table and writes DIR/rtl-synth.json, DIR/rtl-synth.txt, per unit DIR/UNIT.yosys.log
(Yosys log), DIR/UNIT.stat (the stat sections) and DIR/arch.json.

options:
  --layer N          layer of the model (required)
  --rows A-B         rows A-B of each matrix (etchsim rtl --rows); needed for big shapes
  --units LIST       qkv,attn_output,gate_up,down (default: all four)
  --lm-head          also the LM head's output matrix
  --config FILE      chip config (default: etchsim's built-in configs/hc1.toml)
  --set key=value    config override, repeatable
  -o, --out DIR      output directory (default: rtl-synth-layerN)
  --no-fp            do not synthesize the fp32 modules (fp32 transistors reported as null)
  --full             also synthesize each unit flattened WITH the fp32 modules (slow: ~75k
                     transistors per fma, ~16-24 per row; minutes per row)
  --fp-cache DIR     cache of the fp32 module syntheses (default:
                     ${XDG_CACHE_HOME:-~/.cache}/etchsim/rtl-synth); keyed by the fp32 RTL,
                     the Yosys version and the flow
  --etchsim PATH     etchsim binary (default: $ETCHSIM, else build/etchsim)
  --report-only      print the table again from DIR's files (no etchsim, no unit synthesis)
  -h, --help         this text

Needs yosys and python3 on PATH. Exit 0 on success, 77 when yosys is missing.
EOF
}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
etchsim=${ETCHSIM:-$root/build/etchsim}
model=""
layer=""
out=""
rtl_args=()
no_fp=0
full=0
report_only=0
fp_cache=${XDG_CACHE_HOME:-$HOME/.cache}/etchsim/rtl-synth

die() {
  echo "rtl-synth.sh: $*" >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --layer) layer=${2:?--layer needs a value}; shift 2 ;;
    --rows | --units | --config | --set)
      [ $# -ge 2 ] || die "$1 needs a value"
      rtl_args+=("$1" "$2"); shift 2 ;;
    --lm-head) rtl_args+=("$1"); shift ;;
    -o | --out) out=${2:?$1 needs a value}; shift 2 ;;
    --no-fp) no_fp=1; shift ;;
    --full) full=1; shift ;;
    --report-only) report_only=1; shift ;;
    --fp-cache) fp_cache=${2:?--fp-cache needs a value}; shift 2 ;;
    --etchsim) etchsim=${2:?--etchsim needs a value}; shift 2 ;;
    -*) die "unknown option $1 (--help)" ;;
    *) [ -z "$model" ] || die "one model only ($model, $1)"; model=$1; shift ;;
  esac
done
[ -n "$model" ] || { usage >&2; exit 2; }
[ -n "$layer" ] || die "--layer is required"
command -v yosys >/dev/null 2>&1 || { echo "rtl-synth.sh: yosys not on PATH" >&2; exit 77; }
command -v python3 >/dev/null 2>&1 || die "python3 not on PATH"
[ "$report_only" = 1 ] || [ -x "$etchsim" ] || die "no etchsim binary at $etchsim (build it, or --etchsim / ETCHSIM)"
out=${out:-rtl-synth-layer$layer}
mkdir -p "$out"
out=$(cd "$out" && pwd)

# ---- 1. the RTL and arch/'s counts -----------------------------------------------------------
if [ "$report_only" = 0 ]; then
  "$etchsim" rtl "$model" --layer "$layer" "${rtl_args[@]}" -o "$out" >"$out/rtl.txt"
  "$etchsim" rtl-area "$model" --layer "$layer" "${rtl_args[@]}" >"$out/arch.json"
fi
modules=$(sed -n 's/^\([A-Za-z0-9_]*\): [0-9]* rows x .*/\1/p' "$out/rtl.txt")
[ -n "$modules" ] || die "etchsim rtl wrote no unit ($out/rtl.txt)"

# ---- 2. fp32 modules alone (cached) -----------------------------------------------------------
fp_flow="synth -flatten -noabc; dffunmap; abc -g cmos2; stat -tech cmos"
cat >"$out/rtl_synth_ref.v" <<'EOF'
// One instance each of the fp32 modules as the matvec units use them (scripts/rtl-synth.sh).
module rtl_synth_fma (input [31:0] a, input [31:0] b, input [31:0] c, output [31:0] y);
  etchsim_fp32_fma u (.a(a), .b(b), .c(c), .y(y));
endmodule
module rtl_synth_mul (input [31:0] a, input [31:0] b, output [31:0] y);  // scale: c = -0
  etchsim_fp32_fma u (.a(a), .b(b), .c(32'h80000000), .y(y));
endmodule
module rtl_synth_add (input [31:0] a, input [31:0] c, output [31:0] y);  // final sum: b = 1.0
  etchsim_fp32_fma u (.a(a), .b(32'h3f800000), .c(c), .y(y));
endmodule
module rtl_synth_from_int (input [31:0] i, output [31:0] y);
  etchsim_fp32_from_int u (.i(i), .y(y));
endmodule
module rtl_synth_fp16 (input [15:0] h, output [31:0] y);
  etchsim_fp16_to_fp32 u (.h(h), .y(y));
endmodule
// References for Yosys's pricing: a 32-bit adder, 32 enable flip-flops.
module rtl_synth_add32 (input [31:0] a, input [31:0] b, output [31:0] y);
  assign y = a + b;
endmodule
module rtl_synth_ffe32 (input clk, input en, input [31:0] d, output reg [31:0] q);
  always @(posedge clk) if (en) q <= d;
endmodule
EOF
key=$( (cat "$out/etchsim_fp32.v" "$out/rtl_synth_ref.v"; yosys -V; echo "$fp_flow") |
  sha256sum | cut -c1-16)
fp_dir=$fp_cache/$key
mkdir -p "$fp_dir"
refs="add32 ffe32"
[ "$no_fp" = 1 ] || refs="$refs fma mul add from_int fp16"
for v in $refs; do
  stat=$fp_dir/$v.stat
  if [ -s "$stat" ]; then
    echo "reference $v: cached ($stat)"
    continue
  fi
  t0=$(date +%s.%N)
  yosys -q -l "$fp_dir/$v.log" -p "read_verilog $out/etchsim_fp32.v $out/rtl_synth_ref.v; \
    synth -top rtl_synth_$v -flatten -noabc; dffunmap; abc -g cmos2; tee -q -o $stat.tmp stat -tech cmos"
  mv "$stat.tmp" "$stat"
  t1=$(date +%s.%N)
  echo "$t0 $t1" | awk '{printf "%.1f\n", $2 - $1}' >"$fp_dir/$v.seconds"
  echo "reference $v: $(sed -n 's/.*Estimated number of transistors: *//p' "$stat") transistors," \
    "$(cat "$fp_dir/$v.seconds") s"
done

# ---- 3. the units -------------------------------------------------------------------------------
# Yosys script of the integer part. Selections are made on the coarse-mapped netlist (names of
# the generated Verilog still present); FFs stop every cone (%cie), black boxes too.
unit_script() {
  local m=$1
  cat <<EOF
read_verilog -lib $out/etchsim_fp32.v
read_verilog $out/$m.v
setattr -set keep 1 w:bank_*
synth -top $m -flatten -noabc
opt_clean
splitnets -format .
select -set ff t:\$_*DFF*
select -set bb t:etchsim_*
select -set comb t:* @ff %d @bb %d
select -set bank w:bank_* %cie* @comb %i
select -set cell w:p_r* w:WD_*_w.* w:WM_*_w.* %u %u %cie* @comb %i @bank %d
select -set treeq w:*_q w:*_q.* w:asum_*_s* %u %u
select -set tree @treeq %ci1:+[Q] @ff %i %ci1:+[D] @ff %d %cie* @comb %i @bank %d @cell %d
select -set lane w:lane_* %ci1:+[Q] @ff %i %ci1:+[D] @ff %d %cie* @comb %i @bank %d @cell %d @tree %d
select -set fpq w:c_r* w:cm_r* w:acc_r* %u %u
select -set fpff @fpq %ci1:+[Q] @ff %i
select -set fp @fpff %ci1:+[D] @ff %d @bb %ci1 @bb %d %u %cie* @comb %i @bank %d @cell %d @tree %d @lane %d
select -set ctrl @comb @bank %d @cell %d @tree %d @lane %d @fp %d
select -set combpre @comb
dffunmap
select -set ff2 t:\$_DFF_P_ t:\$_DFF_N_ %u
select -set regl t:* @ff2 %d @bb %d @combpre %d
select -set ff2fp @fpq %ci1:+[Q] @ff2 %i
select -set reglfp @ff2fp %ci1:+[D] @ff2 %d %cie* @regl %i
select -set reglint @regl @reglfp %d
tee -q -o $out/$m.stat log MARK ff_total
tee -q -a $out/$m.stat select -count @ff2
tee -q -a $out/$m.stat log MARK ff_input
tee -q -a $out/$m.stat select -count w:a_0.* w:d_0.* w:k_in.* w:k_0.* w:k_in w:k_0 w:v_0 %u %u %u %u %u %u %ci1:+[Q] @ff2 %i
tee -q -a $out/$m.stat log MARK ff_tree
tee -q -a $out/$m.stat select -count @treeq %ci1:+[Q] @ff2 %i
tee -q -a $out/$m.stat log MARK ff_lane
tee -q -a $out/$m.stat select -count w:lane_* %ci1:+[Q] @ff2 %i
tee -q -a $out/$m.stat log MARK ff_output
tee -q -a $out/$m.stat select -count w:out_r* %ci1:+[Q] @ff2 %i
tee -q -a $out/$m.stat log MARK ff_fp32
tee -q -a $out/$m.stat select -count @ff2fp
EOF
  local prev=""
  for p in bank cell tree lane fp ctrl reglint reglfp; do
    echo "abc -g cmos2 -markgroups @$p"
    echo "select -set g_$p a:abcgroup $prev"
    prev="$prev @g_$p %d"
  done
  echo "opt_clean"
  echo "tee -q -a $out/$m.stat log MARK all"
  echo "tee -q -a $out/$m.stat stat -tech cmos"
  for p in bank cell tree lane fp ctrl reglint reglfp; do
    echo "tee -q -a $out/$m.stat log MARK $p"
    echo "tee -q -a $out/$m.stat stat -tech cmos @g_$p"
  done
}

for m in $modules; do
  [ "$report_only" = 0 ] || break
  unit_script "$m" >"$out/$m.ys"
  echo -n "yosys $m (integer part, fp32 black boxes) ... "
  t0=$(date +%s.%N)
  yosys -q -d -l "$out/$m.yosys.log" "$out/$m.ys" >/dev/null
  t1=$(date +%s.%N)
  echo "$t0 $t1" | awk '{printf "%.1f\n", $2 - $1}' >"$out/$m.seconds"
  echo "$(cat "$out/$m.seconds") s"
  if [ "$full" = 1 ]; then
    echo -n "yosys $m (flattened with the fp32 modules) ... "
    t0=$(date +%s.%N)
    yosys -q -l "$out/$m.full.log" -p "read_verilog $out/etchsim_fp32.v $out/$m.v; \
      synth -top $m -flatten -noabc; dffunmap; abc -g cmos2; tee -q -o $out/$m.full.stat stat -tech cmos" \
      >/dev/null
    t1=$(date +%s.%N)
    echo "$t0 $t1" | awk '{printf "%.1f\n", $2 - $1}' >"$out/$m.full.seconds"
    echo "$(cat "$out/$m.full.seconds") s"
  fi
done

# ---- 4. table and JSON ----------------------------------------------------------------------------
python3 - "$out" "$fp_dir" "$no_fp" "$modules" <<'PY'
import json, os, re, sys

out, fp_dir, no_fp, modules = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4].split()
FF_T = 16  # Yosys's cmos cost of a $_DFF_P_

def transistors(text):
    m = re.search(r"Estimated number of transistors:\s*([0-9]+)(\+?)", text)
    return (int(m.group(1)), m.group(2) == "+") if m else (0, False)

def cells(text):
    m = re.search(r"Number of cells:\s*([0-9]+)", text)
    return int(m.group(1)) if m else 0

def sections(path):
    parts, name = {}, None
    for line in open(path):
        if line.startswith("MARK "):
            name = line.split()[1]
            parts[name] = ""
        elif name:
            parts[name] += line
    return parts

def cpu_seconds(log):
    m = re.search(r"CPU: user ([0-9.]+)s system ([0-9.]+)s", open(log).read())
    return float(m.group(1)) + float(m.group(2)) if m else None

def count(text):
    m = re.search(r"([0-9]+) objects", text)
    return int(m.group(1)) if m else 0

def ref(v):
    return transistors(open(os.path.join(fp_dir, v + ".stat")).read())[0]

fp = {} if no_fp else {v: ref(v) for v in ("fma", "mul", "add", "from_int", "fp16")}
# Yosys's price of an adder bit (32-bit adder / 32) and of an enable flip-flop bit.
adder_bit_t = ref("add32") / 32
ff_bit_t = ref("ffe32") / 32

arch_json = json.load(open(os.path.join(out, "arch.json")))
arch = {u["module"]: u for u in arch_json["units"]}
arch_config = arch_json["config"]
inst_re = re.compile(r"^\s*(etchsim_fp32_fma|etchsim_fp32_from_int|etchsim_fp16_to_fp32)\s+u_\S+\s*\((.*)\);")
units = []
for m in modules:
    src = open(os.path.join(out, m + ".v")).read()
    head = re.search(r"Unit \S+: ([0-9]+) rows x ([0-9]+) cols, ([0-9]+) lanes, ([0-9]+) chunks", src)
    types = sorted(set(re.findall(r"^// \S+ rows [0-9]+-[0-9]+ \((\S+),", src, re.M)))
    inst = {"fma": 0, "mul": 0, "add": 0, "from_int": 0, "fp16": 0}
    for line in src.splitlines():
        mm = inst_re.match(line)
        if not mm:
            continue
        kind, ports = mm.group(1), mm.group(2)
        if kind == "etchsim_fp32_from_int":
            inst["from_int"] += 1
        elif kind == "etchsim_fp16_to_fp32":
            inst["fp16"] += 1
        elif ".b(ONE)" in ports:
            inst["add"] += 1
        elif ".c(NEG_ZERO)" in ports:
            inst["mul"] += 1
        else:
            inst["fma"] += 1
    s = sections(os.path.join(out, m + ".stat"))
    # Cross-check: black boxes Yosys kept vs instances in the text.
    bb = {k: int(n) for k, n in re.findall(r"^\s+(etchsim_\w+)\s+([0-9]+)$", s["all"], re.M)}
    n_fma = bb.get("etchsim_fp32_fma", 0)
    if n_fma != inst["fma"] + inst["mul"] + inst["add"]:
        print(f"warning: {m}: Yosys kept {n_fma} fma instances, the text has "
              f"{inst['fma'] + inst['mul'] + inst['add']}", file=sys.stderr)
    part = {p: transistors(s[p])[0] for p in ("bank", "cell", "tree", "lane", "fp", "ctrl", "reglint", "reglfp")}
    gates = sum(cells(s[p]) for p in part)
    ff = {k: count(s["ff_" + k]) for k in ("total", "input", "tree", "lane", "output", "fp32")}
    ff_int = ff["total"] - ff["fp32"]
    y = {
        "product_banks": part["bank"],
        "weight_cells": part["cell"],
        "adder_tree": part["tree"],
        "lane_accumulators": part["lane"],
        "adders": part["tree"] + part["lane"],
        "registers": FF_T * ff_int + part["reglint"],
        "control": part["ctrl"],
    }
    y["integer"] = y["product_banks"] + y["weight_cells"] + y["adders"] + y["registers"]
    fp_inst_t = sum(inst[k] * fp[k] for k in inst) if fp else None
    fp_local = part["fp"] + FF_T * ff["fp32"] + part["reglfp"]
    y["fp32_stage_logic"] = fp_local
    y["fp32_modules"] = fp_inst_t
    y["fp32"] = None if fp_inst_t is None else fp_local + fp_inst_t
    y["total"] = None if fp_inst_t is None else y["integer"] + y["control"] + y["fp32"]
    full = None
    fpath = os.path.join(out, m + ".full.stat")
    if os.path.exists(fpath):
        full = transistors(open(fpath).read())[0]
    a = arch[m]
    rows, cols = int(head.group(1)), int(head.group(2))
    weights = rows * cols
    # arch/'s adder bits: the trees (and joins) plus one accumulator per row.
    acc_bits = rows * arch_config["accumulator_bits"]
    a["accumulator_bits"] = acc_bits
    a["tree_adder_bits"] = a["adder_bits"] - acc_bits
    units.append({
        "unit": a["name"], "module": m, "rows": rows, "cols": cols,
        "lanes": int(head.group(3)), "chunks": int(head.group(4)), "weight_types": types,
        "yosys_seconds": float(open(os.path.join(out, m + ".seconds")).read()),
        "yosys_cpu_seconds": cpu_seconds(os.path.join(out, m + ".yosys.log")),
        "yosys_cells": gates + ff["total"],
        "yosys_transistors": y,
        "yosys_transistors_full_flat": full,
        "yosys_blocks": part,
        "yosys_ff_bits": ff,
        "yosys_int_ff_bits": ff_int,
        # Yosys's adder transistors in 32-bit-adder bits, to set against arch/'s adder bits.
        "yosys_adder_bit_equivalents": {"adder_tree": part["tree"] / adder_bit_t,
                                        "lane_accumulators": part["lane"] / adder_bit_t},
        "fp32_instances": inst,
        "arch": a,
        "per_weight": {
            "yosys_weight_cells": y["weight_cells"] / weights,
            "arch_weight_cells": a["transistors"]["weight_cells"] / weights,
            "yosys_integer": y["integer"] / weights,
            "arch_integer": a["transistors"]["integer"] / weights,
        },
    })

report = {
    "flow": "read_verilog -lib etchsim_fp32.v; synth -flatten -noabc; dffunmap; "
            "abc -g cmos2 per block; stat -tech cmos",
    "yosys_version": os.popen("yosys -V").read().strip(),
    "ff_transistors": FF_T,
    "reference_transistors": {"adder_bit": adder_bit_t, "enable_ff_bit": ff_bit_t},
    "fp32_modules": fp or None,
    "units": units,
}
json.dump(report, open(os.path.join(out, "rtl-synth.json"), "w"), indent=2)

def k(x):
    if x is None:
        return "-"
    x = float(x)
    for div, suf in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= div:
            return f"{x / div:.3g}{suf}"
    return f"{x:.3g}"

def table(head, rows):
    w = [max(len(str(r[i])) for r in [head] + rows) for i in range(len(head))]
    fmt = lambda r: "  ".join(str(c).rjust(w[i]) if i else str(c).ljust(w[i]) for i, c in enumerate(r))
    return "\n".join([fmt(head), fmt(["-" * x for x in w])] + [fmt(r) for r in rows])

Y = lambda u, b: u["yosys_transistors"][b]
A = lambda u, b: u["arch"]["transistors"][b]

def total(b, f=Y):
    xs = [f(u, b) for u in units]
    return None if None in xs else sum(xs)
lines = [
    "Transistors, Yosys (Y: abc -g cmos2, stat -tech cmos) vs arch/ (A); int = product banks +",
    "weight cells + adders + registers; fp32 = scale/accumulate/sum stages (arch/ has none).",
    table(["unit", "rows", "cols", "types", "Y cells", "Y int", "A int", "Y/A", "Y ctrl", "Y fp32",
           "Y total", "A total", "Yosys s", "cpu s"],
          [[u["unit"], u["rows"], u["cols"], ",".join(u["weight_types"]), u["yosys_cells"],
            k(Y(u, "integer")), k(A(u, "integer")), f'{Y(u, "integer") / A(u, "integer"):.2f}',
            k(Y(u, "control")), k(Y(u, "fp32")), k(Y(u, "total")), k(A(u, "total")),
            f'{u["yosys_seconds"]:.1f}', f'{u["yosys_cpu_seconds"] or 0:.1f}'] for u in units] +
          ([["all", sum(u["rows"] for u in units), "", "", sum(u["yosys_cells"] for u in units),
             k(total("integer")), k(total("integer", A)),
             f'{total("integer") / total("integer", A):.2f}', k(total("control")),
             k(total("fp32")), k(total("total")), k(total("total", A)),
             f'{sum(u["yosys_seconds"] for u in units):.1f}',
             f'{sum(u["yosys_cpu_seconds"] or 0 for u in units):.1f}']] if len(units) > 1 else [])),
    "",
    "By block: transistors (Y, A), adder bits (Y: transistors / Yosys's price of one bit of a",
    f"32-bit adder, {adder_bit_t:.1f} T; A: {arch_config['full_adder_transistors']:g} T) and flip-flop bits "
    "(Y: fp32 stage registers excluded).",
    table(["unit", "banks Y", "A", "cells Y", "A", "T/weight Y", "A", "tree Y", "A", "bits Y", "A",
           "acc Y", "A", "bits Y", "A", "regs Y", "A", "FF Y", "A"],
          [[u["unit"], k(Y(u, "product_banks")), k(A(u, "product_banks")),
            k(Y(u, "weight_cells")), k(A(u, "weight_cells")),
            f'{u["per_weight"]["yosys_weight_cells"]:.1f}',
            f'{u["per_weight"]["arch_weight_cells"]:.2f}',
            k(Y(u, "adder_tree")), k(u["arch"]["tree_adder_bits"] * arch_config["full_adder_transistors"]),
            k(u["yosys_adder_bit_equivalents"]["adder_tree"]), k(u["arch"]["tree_adder_bits"]),
            k(Y(u, "lane_accumulators")),
            k(u["arch"]["accumulator_bits"] * arch_config["full_adder_transistors"]),
            k(u["yosys_adder_bit_equivalents"]["lane_accumulators"]), k(u["arch"]["accumulator_bits"]),
            k(Y(u, "registers")), k(A(u, "registers")),
            u["yosys_int_ff_bits"], u["arch"]["register_bits"]] for u in units]),
    "",
]
if fp:
    lines.append("fp32 modules alone: " + ", ".join(f"{v} {k(t)}" for v, t in fp.items()))
    for u in units:
        lines.append(f'  {u["unit"]}: ' + " + ".join(
            f"{n} {v}" for v, n in u["fp32_instances"].items() if n) +
            f' = {k(Y(u, "fp32_modules"))}, stage registers + glue {k(Y(u, "fp32_stage_logic"))}'
            f' ({u["yosys_ff_bits"]["fp32"]} FF bits)')
else:
    lines.append("fp32 modules not synthesized (--no-fp): Y fp32 and Y total not known")
for u in units:
    if u["yosys_transistors_full_flat"]:
        lines.append(f'--full, {u["unit"]} flattened with its fp32 modules: '
                     f'{k(u["yosys_transistors_full_flat"])} (black boxes + add-back: {k(Y(u, "total"))})')
lines.append("arch/'s chip counts no per-row fp32 stage (the token-exact chip); etchsim rtl-area prices "
             "the bit-exact one beside its total (transistors.bit_exact_fp32, docs/energy-area.md).")
text = "\n".join(lines)
open(os.path.join(out, "rtl-synth.txt"), "w").write(text + "\n")
print(text)
PY
