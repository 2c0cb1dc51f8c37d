#include "etchsim/arch/energy.hpp"

#include <cmath>

#include "etchsim/arch/process_node.hpp"
#include "etchsim/arch/unit_registry.hpp"

namespace etchsim::arch {
namespace {

constexpr double kFj = 1e-15;
constexpr double kPj = 1e-12;
constexpr double kNw = 1e-9;

// Adds the dynamic energy (joules, at the reference node) of a stage's units. `costs` are the
// stage's unit costs in registry order (layer_unit_costs / lm_head_unit_costs): unit_index finds
// a unit's, or throws std::logic_error for a unit the registry does not know.
template <class Unit>
void add_stage(EnergySplit& e, const EnergyConfig& c, const std::vector<UnitCost>& costs,
               const RunActivity::Stage<Unit>& stage) {
  for (const auto& [unit, tokens] : stage.unit_tokens) {
    const UnitCost& u = costs.at(unit_index(unit));
    const auto n = static_cast<double>(tokens);
    e.weight_cells += n * u.cell_selects * c.cell_select_fj * kFj;
    e.product_banks += n * u.product_lane_cycles * c.product_bank_lane_fj * kFj;
    e.adders += n * u.adder_bit_ops * c.adder_bit_fj * kFj;
    e.registers += n * u.register_bits_latched * c.register_bit_fj * kFj;
    e.vector_units += n * u.vector_ops * c.vector_op_fj * kFj;
  }
}

double clock_cycles(uint64_t busy, uint64_t cycles, double gating) {
  const uint64_t idle = cycles > busy ? cycles - busy : 0;
  return static_cast<double>(busy) + static_cast<double>(idle) * (1.0 - gating);
}

}  // namespace

double kv_macro_kib(const KvSramConfig& kv, uint32_t n_layer) {
  return kv.capacity_mib * 1024.0 / (static_cast<double>(n_layer) * kv.banks);
}

double lora_macro_kib(const LoraSramConfig& lora, uint32_t n_layer) {
  return lora.capacity_mib * 1024.0 / (static_cast<double>(n_layer) * lora.banks);
}

double sram_bit_fj(double fj_per_bit_1kib, double macro_kib) {
  return fj_per_bit_1kib * std::sqrt(macro_kib);
}

EnergySplit run_energy(const ChipConfig& config, const model::LlamaShape& shape,
                       const ModelWeightTypes& types, const AreaBreakdown& area,
                       const RunActivity& activity) {
  const EnergyConfig& c = config.energy;
  const double node = process_node(config.process.node).energy_factor;
  EnergySplit e;
  // Layer stage l's units at layer l's types (costed once when every layer is alike).
  std::vector<UnitCost> layer;
  for (size_t l = 0; l < activity.layers.size(); ++l) {
    if (l == 0 || !types.uniform()) {
      layer = layer_unit_costs(config, shape, types.layer(static_cast<uint32_t>(l)));
    }
    add_stage(e, c, layer, activity.layers[l]);
  }
  add_stage(e, c, lm_head_unit_costs(config, shape, types.head()), activity.lm_head);
  e.vector_units += static_cast<double>(activity.kv_rows_read) * shape.n_head * shape.head_dim() *
                    c.attention_mac_fj * kFj;
  const double macro = kv_macro_kib(config.kv_sram, shape.n_layer);
  e.kv_sram =
      (static_cast<double>(activity.kv_bits_read) * sram_bit_fj(c.sram_read_fj_per_bit, macro) +
       static_cast<double>(activity.kv_bits_written) *
           sram_bit_fj(c.sram_write_fj_per_bit, macro)) *
      kFj;
  // LoRA: SRAM bits at the LoRA macro size, and one MAC at energy.attention_mac_fj per LoRA
  // multiply-accumulate (the fp MAC energy already there: an f16 adapter weight times the
  // activation, accumulated in fp32, as the attention MACs).
  const double lora_macro = lora_macro_kib(config.lora_sram, shape.n_layer);
  e.lora = (static_cast<double>(activity.lora_bits_read) *
                sram_bit_fj(c.sram_read_fj_per_bit, lora_macro) +
            static_cast<double>(activity.lora_bits_written) *
                sram_bit_fj(c.sram_write_fj_per_bit, lora_macro) +
            static_cast<double>(activity.lora_macs) * c.attention_mac_fj) *
           kFj;

  const double seconds = static_cast<double>(activity.cycles) / config.clock_hz();
  e.leakage = area.transistors * c.leakage_nw_per_transistor * kNw * seconds;
  double clocked = 0;  // register-bit cycles
  for (size_t l = 0; l < activity.layers.size(); ++l) {
    clocked += static_cast<double>(area.register_bits_layers.at(l)) *
               clock_cycles(activity.layers[l].busy_cycles, activity.cycles, c.clock_gating);
  }
  clocked += static_cast<double>(area.register_bits_lm_head) *
             clock_cycles(activity.lm_head.busy_cycles, activity.cycles, c.clock_gating);
  e.clock = clocked * c.clock_fj_per_register_bit * kFj;

  for (double* block : {&e.weight_cells, &e.product_banks, &e.adders, &e.registers, &e.vector_units,
                        &e.kv_sram, &e.lora, &e.leakage, &e.clock}) {
    *block *= node;
  }
  // SerDes energy per byte does not follow the logic node.
  e.host_link = static_cast<double>(activity.host_bytes) * c.host_link_pj_per_byte * kPj;
  return e;
}

}  // namespace etchsim::arch
