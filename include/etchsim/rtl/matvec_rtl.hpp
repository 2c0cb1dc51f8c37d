// SystemVerilog (the Verilog-2005 subset both Verilator 5.006 and Yosys 0.23 read) of one matvec
// unit, generated from the model's weights and the chip's datapath (docs/rtl.md):
//  * input register: one chunk of `activation_lanes` int8 activation codes per cycle (the
//    quantiser's codes, ceil(cols / lanes) chunks per token) with the scales of its blocks;
//  * per activation lane a product bank (activation x 0..15, shifts and 7 adds); per weight a cell
//    whose hard-wired 4-bit code selects its product (two cells and one shift-add for 5- to
//    8-bit codes); per row an adder tree of fan-in lanes with a register every
//    adder_levels_per_stage levels, which keeps apart the integer lanes the dot product's order
//    needs (numerics/dot_terms.hpp) and applies code offsets and K-quant sub-block scales;
//  * a scale stage (lane accumulation across chunks, block scale c = fl(d_w x d_a)), an
//    accumulate stage (fp32 fma per lane, numerics' order) and an output stage (the final sum),
//    all IEEE binary32 round-to-nearest-even (etchsim_fp32.v);
//  * valid/ready: the unit takes a chunk when in_valid and in_ready; out_valid holds the rows'
//    results until out_ready; a full output stalls the whole unit.
// Latency from taking chunk 0 to writing the output register is ceil(cols / lanes) +
// register_stages(tree depth) + kScaleAccumulateCycles, interval ceil(cols / lanes):
// arch::matvec_timing, which `etchsim rtl-check` measures.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "etchsim/arch/chip_config.hpp"
#include "etchsim/arch/timing.hpp"
#include "etchsim/arch/unit_registry.hpp"
#include "etchsim/model/llama_model.hpp"
#include "etchsim/numerics/dot.hpp"
#include "etchsim/numerics/profile.hpp"

namespace etchsim::rtl {

// Rows [row_begin, row_end) of one weight matrix.
struct MatrixSlice {
  std::string name;  // the tensor's name in a layer: "attn_q", ...
  arch::MatrixRole role = arch::MatrixRole::Q;
  model::TensorView weights;
  int64_t row_begin = 0;
  int64_t row_end = 0;
  int64_t rows() const { return row_end - row_begin; }
};

struct MatvecUnitSpec {
  std::string module;                 // Verilog module name
  std::vector<MatrixSlice> matrices;  // same cols and activation type; rows stacked in order
  arch::DatapathConfig datapath;
  numerics::CpuProfile profile = numerics::kDefaultCpuProfile;
  // For testing the checker only: flip bit 0 of the code of unit row `fault_row` (in the unit's
  // stacked row order), column `fault_col`; -1 = none.
  int64_t fault_row = -1;
  int64_t fault_col = -1;
};

// What the generated unit looks like from outside (ports, stream, expected timing).
struct MatvecGeometry {
  int64_t cols = 0;
  int64_t rows = 0;               // all slices
  uint32_t lanes = 0;             // activation lanes (chunk width)
  uint64_t chunks = 0;            // ceil(cols / lanes)
  uint32_t block_elems = 0;       // 32 or 256 (activation and weight blocks)
  uint32_t blocks_per_chunk = 0;  // blocks whose scales ride with one chunk: max(1, lanes/block)
  uint32_t scale_bits = 0;        // 16 (Q8_0 fp16 scale) or 32 (Q8_K fp32 scale)
  uint32_t terms_per_block = 0;   // integer lanes (main + min) per block, every row
  uint32_t tree_depth = 0;        // adder levels: log2(lanes) + 1 for two-cell weights
  uint64_t tree_stages = 0;       // register_stages(tree_depth, adder_levels_per_stage)
  arch::UnitTiming formula;       // arch::matvec_timing for this unit
};

// Throws std::invalid_argument naming the problem: lanes not a power of two, matrices with
// different cols or activation types, a weight type without an RTL form, an empty row slice.
MatvecGeometry matvec_geometry(const MatvecUnitSpec& spec);

// The order each matrix's rows use (numerics::default_dot_order over the WHOLE matrix's rows,
// as golden computes it).
numerics::DotOrder matrix_dot_order(const MatrixSlice& m, numerics::CpuProfile profile);

// The module's text. It instantiates etchsim_fp32_fma, etchsim_fp32_from_int and
// etchsim_fp16_to_fp32 (fp32_library_text()).
std::string generate_matvec_verilog(const MatvecUnitSpec& spec);

// The fixed fp32 modules (src/rtl/verilog/etchsim_fp32.v), compiled into the binary.
const std::string& fp32_library_text();

}  // namespace etchsim::rtl
