// Cycle formulas of the chip's LoRA path (docs/timing.md "LoRA path"): llama.cpp's
// build_lora_mm, y = W x + scale * B (A x), with A (rank x n_in) and B (n_out x rank) read from
// the layer's LoRA SRAM into fp32 MAC lanes that run beside each hard-wired matvec unit.
#pragma once

#include <cstdint>
#include <span>

#include "etchsim/arch/chip_config.hpp"
#include "etchsim/arch/timing.hpp"

namespace etchsim::arch {

// One LoRA-adapted matrix as the chip's LoRA path sees it.
struct LoraMatrixShape {
  uint64_t n_in = 0;   // columns of the base W (= A's columns)
  uint64_t n_out = 0;  // rows of the base W (= B's rows)
  uint64_t rank = 0;
  uint64_t a_bits = 0;  // bits of A as stored (its GGUF tensor bytes x 8)
  uint64_t b_bits = 0;
};

// The LoRA path of one matvec unit for one token, for the unit's adapted matrices in order
// (e.g. the qkv unit: q, k, v when adapted). Each matrix runs phase A (t = A x: rank*n_in MACs,
// reading a_bits) then phase B (d = B t: n_out*rank MACs, reading b_bits); each phase takes
// max(ceil(MACs / datapath.lora_lanes), ceil(bits / (lora_sram.banks * lora_sram.word_bits)))
// cycles (MAC lanes fed from the layer's LoRA SRAM banks: lora_sram.banks is PER LAYER).
// interval = the sum of the phases (the lanes are busy for all of it); latency = interval +
// lora_sram.read_latency + register_stages(adder_tree_depth(lora_lanes), adder_levels_per_stage)
// + kFpOpCycles (the scale multiply). An empty span -> {0, 0}.
UnitTiming lora_path_timing(std::span<const LoraMatrixShape> matrices, const ChipConfig& config);

// A matvec unit's timing for an adapted token: hard-wired matvec and LoRA path side by side, then
// one fp32 add: latency = max(base.latency, lora.latency) + kFpOpCycles, interval =
// max(base.interval, lora.interval). lora == {0,0} (nothing adapted in this unit) -> base
// unchanged.
UnitTiming adapted_timing(const UnitTiming& base, const UnitTiming& lora);

// A bound on ceil(latency / interval) of an adapted token whose LoRA path is the slower side,
// for sizing a unit's internal pipeline before adapters are known: lora_sram.read_latency +
// register_stages(adder_tree_depth(lora_lanes), levels) + 2*kFpOpCycles + 1.
uint32_t lora_extra_depth(const ChipConfig& config);

}  // namespace etchsim::arch
