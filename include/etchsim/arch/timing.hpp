// Cycle formulas of the chip's units (docs/timing.md gives the assumptions). Every unit takes a
// whole vector from its input pipeline register and hands a whole vector on: `latency` is the
// cycles from taking the input to the result being valid, `interval` the cycles before the unit
// can take the next token (its initiation interval).
#pragma once

#include <cstdint>

#include "etchsim/arch/chip_config.hpp"

namespace etchsim::arch {

struct UnitTiming {
  uint64_t latency = 0;
  uint64_t interval = 0;
  bool operator==(const UnitTiming&) const = default;
};

// Cycles of the fp32 block-scale multiply plus accumulate after each row's integer tree.
inline constexpr uint64_t kScaleAccumulateCycles = 2;
// Cycles of one pipelined fp32 add or multiply (residual add, normalising multiply).
inline constexpr uint64_t kFpOpCycles = 1;

uint32_t ceil_log2(uint64_t n);  // 0 for n <= 1
uint64_t ceil_div(uint64_t a, uint64_t b);
// Depth of a binary adder (or comparator) tree with `fan_in` inputs: ceil(log2(fan_in)).
uint32_t adder_tree_depth(uint64_t fan_in);
// Pipeline register stages of a `levels`-deep tree: ceil(levels / levels_per_stage).
uint64_t register_stages(uint64_t levels, uint32_t levels_per_stage);

// Matvec with `cols` inputs, all rows in parallel: interval = ceil(cols / lanes); latency =
// interval + register_stages(depth) + kScaleAccumulateCycles, depth = ceil(log2(lanes)) plus one
// shift-add level for two-cell weights.
UnitTiming matvec_timing(uint64_t cols, const DatapathConfig& dp, uint32_t cells_per_weight);

// RMSNorm over n: sum of squares (ceil(n/V)), reduction tree over the V lane sums, rsqrt
// (special_fn_latency), scale pass (ceil(n/V)). The two passes have their own lanes.
UnitTiming rms_norm_timing(uint64_t n, const DatapathConfig& dp);
// Activation quantiser over n: block abs-max pass, reciprocal, quantise pass.
UnitTiming quantize_timing(uint64_t n, const DatapathConfig& dp);
// RoPE over n rotated elements (Q and K): sin/cos pipe, then ceil(n/V) rotations.
UnitTiming rope_timing(uint64_t n, const DatapathConfig& dp);
// SiLU(gate) * up over n: exp pipe plus one multiply behind ceil(n/V) passes.
UnitTiming silu_mul_timing(uint64_t n, const DatapathConfig& dp);
// Residual add over n.
UnitTiming residual_timing(uint64_t n, const DatapathConfig& dp);
// Argmax over n logits that leave the LM head together: a comparator tree.
UnitTiming argmax_timing(uint64_t n, const DatapathConfig& dp);

// KV SRAM geometry of one layer for one position's K (or V) row.
struct KvRowGeometry {
  uint64_t row_bits = 0;  // n_head_kv x head_dim x element bits (+ 32-bit scale per head for i8)
  uint64_t banks_per_row = 0;   // ceil(row_bits / word_bits): banks one row is striped over
  uint64_t rows_per_cycle = 0;  // floor(banks / banks_per_row), when a row fits the banks
  uint64_t cycles_per_row = 0;  // ceil(banks_per_row / banks), when it does not
};
KvRowGeometry kv_row_geometry(uint32_t n_head_kv, uint32_t head_dim, const KvSramConfig& kv);
// Cycles to read the K (or V) rows of n_pos positions.
uint64_t kv_read_cycles(uint64_t n_pos, const KvRowGeometry& geometry);

struct AttentionShape {
  uint32_t n_head = 0;
  uint32_t n_head_kv = 0;
  uint32_t head_dim = 0;
};
// Attention of one token over n_pos cached positions (itself included): store K,V (write
// latency; with one port per bank the two row writes stall reads), K pass (scores, running max),
// exp, V pass (exp, sum, weighted V), reciprocal, normalise. See docs/timing.md.
UnitTiming attention_timing(uint64_t n_pos, const AttentionShape& shape, const ChipConfig& config);

// Host link moving `bytes`: latency + ceil(bytes / bytes_per_cycle); interval the transfer.
UnitTiming host_transfer_timing(uint64_t bytes, const HostConfig& host);

}  // namespace etchsim::arch
