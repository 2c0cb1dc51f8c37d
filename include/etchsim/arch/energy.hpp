// The energy model (docs/energy-area.md): per-event energies from the [energy] section, scaled
// to process.node (process_node.hpp), times the activity the simulation counted — tokens through
// every unit (the per-token activity of area.hpp's unit inventory), KV and LoRA SRAM bits read
// and written, LoRA multiply-accumulates, bytes over the host link — plus leakage of every
// transistor and the clock tree over the run's cycles.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "etchsim/arch/area.hpp"
#include "etchsim/arch/chip_config.hpp"
#include "etchsim/golden/layer_datapath.hpp"

namespace etchsim::arch {

struct EnergySplit {
  double weight_cells = 0;   // cell selects
  double product_banks = 0;  // product formation and broadcast, per lane-cycle
  double adders = 0;         // adder trees, shift-adds, accumulators, argmax comparators
  double registers = 0;      // bits latched into pipeline registers
  double vector_units = 0;   // element-wise fp32 units and attention MACs
  double kv_sram = 0;        // KV rows read and written
  double lora = 0;           // LoRA SRAM reads and writes, LoRA MACs
  double host_link = 0;      // embeddings in, token entries out
  double leakage = 0;        // every transistor, every cycle
  double clock = 0;          // clock tree, per register bit per cycle
  double total() const {
    return weight_cells + product_banks + adders + registers + vector_units + kv_sram + lora +
           host_link + leakage + clock;
  }
};

// What a run did, from the simulation's counters.
struct RunActivity {
  // Units are golden's datapath steps; the energy model looks each up in the unit registry
  // (unit_registry.hpp) and throws std::logic_error for one it does not know.
  template <class Unit>
  struct Stage {
    std::vector<std::pair<Unit, uint64_t>> unit_tokens;  // unit, tokens processed
    uint64_t busy_cycles = 0;
  };
  std::vector<Stage<golden::LayerUnit>> layers;  // one per layer stage
  Stage<golden::HeadUnit> lm_head;
  uint64_t kv_bits_read = 0;
  uint64_t kv_bits_written = 0;
  uint64_t kv_rows_read = 0;       // K and V rows (n_head_kv x head_dim elements each)
  uint64_t lora_bits_read = 0;     // adapter A and B bits read by the LoRA path
  uint64_t lora_bits_written = 0;  // adapter bits loaded into the LoRA SRAM
  uint64_t lora_macs = 0;          // LoRA multiply-accumulates (rank x n_in + n_out x rank each)
  uint64_t host_bytes = 0;
  uint64_t cycles = 0;
};

// KV SRAM macro size in KiB: the capacity split over n_layer x kv_sram.banks banks.
double kv_macro_kib(const KvSramConfig& kv, uint32_t n_layer);
// LoRA SRAM macro size in KiB: the capacity split over n_layer x lora_sram.banks banks.
double lora_macro_kib(const LoraSramConfig& lora, uint32_t n_layer);
// Energy in fJ per bit of an SRAM macro of `macro_kib` KiB: fj_per_bit_1kib x sqrt(macro_kib)
// (Horowitz ISSCC 2014: 8 KiB 10 pJ, 32 KiB 20 pJ, 1 MiB 100 pJ per 64-bit access).
double sram_bit_fj(double fj_per_bit_1kib, double macro_kib);

// Energy in joules by block. `area` gives the transistors (leakage) and register bits (clock).
EnergySplit run_energy(const ChipConfig& config, const model::LlamaShape& shape,
                       const ModelWeightTypes& types, const AreaBreakdown& area,
                       const RunActivity& activity);

}  // namespace etchsim::arch
