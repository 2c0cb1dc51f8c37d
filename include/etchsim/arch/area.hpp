// The area model (docs/energy-area.md): what the hard-wired chip is made of, unit by unit —
// weight cells, product banks, adder trees and accumulators, pipeline registers, element-wise
// and attention lanes — plus the KV and LoRA SRAM (the latter with its MAC lanes), control and the
// host interface; transistors by block and die area from the process node's density. The same unit
// inventory gives the energy model (energy.hpp) its per-token activity.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "etchsim/arch/chip_config.hpp"
#include "etchsim/arch/pipeline_timing.hpp"
#include "etchsim/gguf/ggml_type.hpp"
#include "etchsim/model/llama_shape.hpp"

namespace etchsim::arch {

// Bits of one product-bank entry: an int8 activation times a 4-bit code (0..15).
inline constexpr uint32_t kProductBits = 12;
// Bits of one element of a unit's output register (fp32; quantised vectors counted the same).
inline constexpr uint32_t kRegisterElementBits = 32;
// fp32 operations per element of an element-wise unit (e.g. square + add, multiply + add).
inline constexpr uint32_t kVectorOpsPerElement = 2;

// One matvec row's integer datapath: per cell plane a binary tree of `lanes` kProductBits-wide
// inputs (an adder at level k is kProductBits + k bits wide), a shift-add joining two planes,
// and the accumulator; registers every `levels_per_stage` tree levels, at the tree output and
// in the accumulator.
struct RowDatapath {
  uint64_t adder_bits = 0;     // full-adder bits
  uint64_t register_bits = 0;  // flip-flop bits
};
RowDatapath row_datapath(uint32_t lanes, uint32_t cells_per_weight, uint32_t levels_per_stage,
                         uint32_t accumulator_bits);

// One unit of a stage, as hardware (whole unit) and as activity per token through it.
struct UnitCost {
  std::string name;  // "attn_norm", "qkv", ..., "output", "argmax"
  // Hardware.
  uint64_t cells = 0;          // weight + block-scale cells
  uint64_t float_weights = 0;  // weights with a float multiplier (allowed float types)
  uint64_t product_banks = 0;
  uint64_t adder_bits = 0;  // trees, joins, accumulators, product banks, comparators
  uint64_t register_bits = 0;
  uint64_t vector_lanes = 0;    // fp32 element-wise lanes
  uint64_t attention_macs = 0;  // attention multiply-accumulate lanes
  // For the bit-exact datapath term (AreaBreakdown::bit_exact_*), not in the chip's blocks.
  uint64_t rows = 0;               // matvec rows (each would need its own fp32 stages)
  uint64_t kquant_adder_bits = 0;  // adder_bits of rows of 256-element (K-quant) types
  // Activity per token.
  double cell_selects = 0;
  double product_lane_cycles = 0;
  double adder_bit_ops = 0;
  double register_bits_latched = 0;
  double vector_ops = 0;
};

// The cost builders of the unit kinds; the unit registry (unit_registry.hpp) calls them with
// each unit's sizes.
// One weight matrix of a matvec unit.
struct UnitMatrix {
  gguf::GgmlType type;
  uint64_t rows = 0;
};
// A matvec unit over `cols` inputs; `banks_per_lane` product banks per activation lane (1 when
// its matrices are fused, one per matrix otherwise).
UnitCost matvec_unit_cost(std::string_view name, const ChipConfig& config, uint64_t cols,
                          std::span<const UnitMatrix> matrices, uint32_t banks_per_lane);
// An element-wise unit over `n` inputs producing `out` elements.
UnitCost vector_unit_cost(std::string_view name, const ChipConfig& config, uint64_t n,
                          uint64_t out);
// The attention unit: its MAC lanes and output register (its activity is counted from the KV
// SRAM reads by the energy model).
UnitCost attention_unit_cost(std::string_view name, const ChipConfig& config,
                             const model::LlamaShape& shape);
// The argmax unit: a comparator tree over every logit.
UnitCost argmax_unit_cost(std::string_view name, const model::LlamaShape& shape);

// The units of one layer and of the LM head, one per unit registry entry, in its order (names
// as layer_timing / lm_head_timing).
std::vector<UnitCost> layer_unit_costs(const ChipConfig& config, const model::LlamaShape& shape,
                                       const WeightTypes& types);
std::vector<UnitCost> lm_head_unit_costs(const ChipConfig& config, const model::LlamaShape& shape,
                                         const WeightTypes& types);

struct BlockArea {
  double transistors = 0;
  double mm2 = 0;
};

// The bit-exact llama.cpp-order datapath of a unit (AreaBreakdown::bit_exact_*), in transistors:
// per matvec row area.bit_exact_fp32_lanes x (fma + int->fp32) + a multiply + lanes - 1 adds;
// (area.bit_exact_kquant_adder_factor - 1) x the adders of its K-quant rows.
double bit_exact_fp32_transistors(const UnitCost& unit, const AreaConfig& area);
double bit_exact_adder_transistors(const UnitCost& unit, const AreaConfig& area);

// lora_sram is the LoRA SRAM and its MAC lanes (n_layer x datapath.lora_lanes, only when
// lora_sram.capacity_mib > 0; the lanes at the logic density, the SRAM at the bit-cell area).
struct AreaBreakdown {
  BlockArea weight_cells, product_banks, adders, registers, vector_units, kv_sram, lora_sram,
      control, host_interface;
  double transistors = 0;  // sum of the blocks
  double mm2 = 0;
  // The bit-exact llama.cpp-order datapath, NOT in the blocks or the total: what the matvec rows
  // would add to follow llama.cpp's arithmetic to the last bit, as etchsim's RTL does (priced from
  // its Yosys synthesis, docs/energy-area.md). The chip above is the token-exact one (one
  // reduction per block, the fp32 block arithmetic shared or in fixed point).
  //  fp32: per row area.bit_exact_fp32_lanes x (fma + int->fp32) + a multiply + lanes - 1 adds;
  //  adders: (area.bit_exact_kquant_adder_factor - 1) x the adders of K-quant rows (the vec_dot
  //  order's integer lanes, sub-block scale multipliers and lane accumulators).
  BlockArea bit_exact_fp32, bit_exact_adders;
  BlockArea bit_exact() const {
    return {bit_exact_fp32.transistors + bit_exact_adders.transistors,
            bit_exact_fp32.mm2 + bit_exact_adders.mm2};
  }
  std::vector<uint64_t> register_bits_layers;  // flip-flop bits of each layer stage (clock energy)
  uint64_t register_bits_lm_head = 0;
};

// The chip for `shape` with `types` (each layer its own) on `config`: logic blocks at the node's
// peak logic density times area.logic_utilization, SRAM at 6T per bit plus area.sram_periphery, bit
// cells at the node's SRAM bit-cell area. Throws ConfigError for weight types the cells cannot
// hold.
AreaBreakdown chip_area(const ChipConfig& config, const model::LlamaShape& shape,
                        const ModelWeightTypes& types);

}  // namespace etchsim::arch
