#include "etchsim/arch/lora_timing.hpp"

#include <algorithm>

namespace etchsim::arch {
namespace {

// Cycles of one phase: the MAC lanes or the SRAM words feeding them, whichever is slower.
uint64_t phase_cycles(uint64_t macs, uint64_t bits, const ChipConfig& config) {
  const uint64_t bits_per_cycle = uint64_t{config.lora_sram.banks} * config.lora_sram.word_bits;
  return std::max(ceil_div(macs, config.datapath.lora_lanes), ceil_div(bits, bits_per_cycle));
}

// Register stages of the lanes' reduction tree.
uint64_t tree_stages(const ChipConfig& config) {
  return register_stages(adder_tree_depth(config.datapath.lora_lanes),
                         config.datapath.adder_levels_per_stage);
}

}  // namespace

UnitTiming lora_path_timing(std::span<const LoraMatrixShape> matrices, const ChipConfig& config) {
  if (matrices.empty()) return {};
  uint64_t interval = 0;
  for (const LoraMatrixShape& m : matrices) {
    interval += phase_cycles(m.rank * m.n_in, m.a_bits, config);
    interval += phase_cycles(m.n_out * m.rank, m.b_bits, config);
  }
  const uint64_t latency =
      interval + config.lora_sram.read_latency + tree_stages(config) + kFpOpCycles;
  return {latency, interval};
}

UnitTiming adapted_timing(const UnitTiming& base, const UnitTiming& lora) {
  if (lora == UnitTiming{}) return base;
  return {std::max(base.latency, lora.latency) + kFpOpCycles,
          std::max(base.interval, lora.interval)};
}

uint32_t lora_extra_depth(const ChipConfig& config) {
  return static_cast<uint32_t>(config.lora_sram.read_latency + tree_stages(config) +
                               2 * kFpOpCycles + 1);
}

}  // namespace etchsim::arch
