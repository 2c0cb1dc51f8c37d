#include "etchsim/arch/area.hpp"

#include <algorithm>

#include "etchsim/arch/cell_counts.hpp"
#include "etchsim/arch/process_node.hpp"
#include "etchsim/arch/timing.hpp"
#include "etchsim/arch/unit_registry.hpp"
#include "etchsim/arch/weight_cell.hpp"

namespace etchsim::arch {

RowDatapath row_datapath(uint32_t lanes, uint32_t cells_per_weight, uint32_t levels_per_stage,
                         uint32_t accumulator_bits) {
  uint64_t plane_adders = 0, plane_registers = 0;
  uint64_t values = lanes;
  uint32_t level = 0;
  while (values > 1) {
    ++level;
    const uint64_t adders = values / 2;
    plane_adders += adders * (kProductBits + level);
    values -= adders;
    if (values > 1 && level % levels_per_stage == 0)
      plane_registers += values * (kProductBits + level);
  }
  plane_registers += kProductBits + level;  // the tree's output register
  RowDatapath row;
  row.adder_bits = cells_per_weight * plane_adders;
  row.register_bits = cells_per_weight * plane_registers;
  if (cells_per_weight > 1) {
    row.adder_bits += (cells_per_weight - 1) * (kProductBits + level + kCellBits);
  }
  row.adder_bits += accumulator_bits;
  row.register_bits += accumulator_bits;
  return row;
}

UnitCost matvec_unit_cost(std::string_view name, const ChipConfig& config, uint64_t cols,
                          std::span<const UnitMatrix> matrices, uint32_t banks_per_lane) {
  const DatapathConfig& dp = config.datapath;
  const bool allow_float = config.weight_cells.allow_f16_weights;
  UnitCost u;
  u.name = std::string(name);
  const auto passes = static_cast<double>(ceil_div(cols, dp.activation_lanes));
  u.product_banks = uint64_t{banks_per_lane} * dp.activation_lanes;
  u.product_lane_cycles = static_cast<double>(u.product_banks) * passes;
  uint64_t out_elements = 0;
  for (const UnitMatrix& m : matrices) {
    const MatrixCells cells = matrix_cells(m.type, m.rows, cols, allow_float);
    const uint32_t cpw = cell_layout(m.type, allow_float).cells_per_weight;
    const RowDatapath row =
        row_datapath(dp.activation_lanes, cpw, dp.adder_levels_per_stage, dp.accumulator_bits);
    u.cells += cells.total_cells();
    u.rows += m.rows;
    if (gguf::traits(m.type).block_elems == 256) u.kquant_adder_bits += m.rows * row.adder_bits;
    u.float_weights += cells.float_weights;
    u.adder_bits += m.rows * row.adder_bits;
    u.register_bits += m.rows * row.register_bits;
    u.cell_selects += static_cast<double>(cells.total_cells());
    u.adder_bit_ops += static_cast<double>(m.rows * row.adder_bits) * passes;
    u.register_bits_latched += static_cast<double>(m.rows * row.register_bits) * passes;
    out_elements += m.rows;
  }
  u.register_bits += out_elements * kRegisterElementBits;
  u.register_bits_latched += static_cast<double>(out_elements * kRegisterElementBits);
  return u;
}

UnitCost vector_unit_cost(std::string_view name, const ChipConfig& config, uint64_t n,
                          uint64_t out) {
  UnitCost u;
  u.name = std::string(name);
  u.vector_lanes = config.datapath.vector_lanes;
  u.register_bits = out * kRegisterElementBits;
  u.vector_ops = static_cast<double>(n * kVectorOpsPerElement);
  u.register_bits_latched = static_cast<double>(u.register_bits);
  return u;
}

// Output only: the activity of an element-wise unit without lanes (attention's MACs are counted
// from the KV SRAM reads by the energy model).
UnitCost attention_unit_cost(std::string_view name, const ChipConfig& config,
                             const model::LlamaShape& shape) {
  UnitCost u;
  u.name = std::string(name);
  const KvRowGeometry g = kv_row_geometry(shape.n_head_kv, shape.head_dim(), config.kv_sram);
  const uint64_t per_row = uint64_t{shape.n_head} * shape.head_dim();
  // MAC lanes keep pace with the SRAM (docs/timing.md): every query head's products of the rows
  // delivered per cycle.
  u.attention_macs =
      g.rows_per_cycle > 0 ? g.rows_per_cycle * per_row : ceil_div(per_row, g.cycles_per_row);
  u.register_bits = uint64_t{shape.n_embd} * kRegisterElementBits;
  u.register_bits_latched = static_cast<double>(u.register_bits);
  return u;
}

UnitCost argmax_unit_cost(std::string_view name, const model::LlamaShape& shape) {
  UnitCost u;
  u.name = std::string(name);
  // A comparator tree over every logit: n_vocab - 1 comparators of fp32 width.
  u.adder_bits = (uint64_t{shape.n_vocab} - 1) * kRegisterElementBits;
  u.adder_bit_ops = static_cast<double>(u.adder_bits);
  u.register_bits = kRegisterElementBits;
  u.register_bits_latched = kRegisterElementBits;
  return u;
}

std::vector<UnitCost> layer_unit_costs(const ChipConfig& config, const model::LlamaShape& shape,
                                       const WeightTypes& types) {
  const UnitContext c{config, shape, types, 1, config.weight_cells.allow_f16_weights};
  std::vector<UnitCost> units;
  for (const UnitInfo& u : layer_units()) units.push_back(u.cost(c));
  return units;
}

std::vector<UnitCost> lm_head_unit_costs(const ChipConfig& config, const model::LlamaShape& shape,
                                         const WeightTypes& types) {
  const UnitContext c{config, shape, types, 1, config.weight_cells.allow_f16_weights};
  std::vector<UnitCost> units;
  for (const UnitInfo& u : head_units()) units.push_back(u.cost(c));
  return units;
}

double bit_exact_fp32_transistors(const UnitCost& unit, const AreaConfig& a) {
  const double lanes = a.bit_exact_fp32_lanes;
  const double per_row = lanes * (a.fp32_fma_transistors + a.int_to_fp32_transistors) +
                         a.fp32_multiply_transistors + (lanes - 1.0) * a.fp32_add_transistors;
  return static_cast<double>(unit.rows) * per_row;
}

double bit_exact_adder_transistors(const UnitCost& unit, const AreaConfig& a) {
  return static_cast<double>(unit.kquant_adder_bits) * (a.bit_exact_kquant_adder_factor - 1.0) *
         a.full_adder_transistors;
}

AreaBreakdown chip_area(const ChipConfig& config, const model::LlamaShape& shape,
                        const ModelWeightTypes& types) {
  const AreaConfig& a = config.area;
  const WeightCellConfig& wc = config.weight_cells;
  AreaBreakdown r;
  auto add_units = [&](const std::vector<UnitCost>& units, uint64_t copies) -> uint64_t {
    uint64_t registers = 0;
    const auto n = static_cast<double>(copies);
    for (const UnitCost& u : units) {
      r.weight_cells.transistors +=
          n * (static_cast<double>(u.cells) * wc.transistors_per_cell +
               static_cast<double>(u.float_weights) * wc.float_weight_transistors);
      r.product_banks.transistors +=
          n * static_cast<double>(u.product_banks) * a.product_bank_transistors;
      r.adders.transistors += n * static_cast<double>(u.adder_bits) * a.full_adder_transistors;
      r.registers.transistors +=
          n * static_cast<double>(u.register_bits) * a.register_bit_transistors;
      r.vector_units.transistors +=
          n * (static_cast<double>(u.vector_lanes) * a.vector_lane_transistors +
               static_cast<double>(u.attention_macs) * a.attention_mac_transistors);
      registers += u.register_bits;
      r.bit_exact_fp32.transistors += n * bit_exact_fp32_transistors(u, a);
      r.bit_exact_adders.transistors += n * bit_exact_adder_transistors(u, a);
    }
    return registers;
  };
  types.check_layer_count(shape.n_layer);
  if (types.uniform()) {
    const uint64_t bits = add_units(layer_unit_costs(config, shape, types.layer(0)), shape.n_layer);
    r.register_bits_layers.assign(shape.n_layer, bits);
  } else {
    for (uint32_t l = 0; l < shape.n_layer; ++l) {
      r.register_bits_layers.push_back(
          add_units(layer_unit_costs(config, shape, types.layer(l)), 1));
    }
  }
  r.register_bits_lm_head = add_units(lm_head_unit_costs(config, shape, types.head()), 1);
  const double datapath = r.product_banks.transistors + r.adders.transistors +
                          r.registers.transistors + r.vector_units.transistors;
  r.control.transistors = a.control_overhead * datapath;
  r.host_interface.transistors = a.host_interface_transistors;

  const ProcessNode& node = process_node(config.process.node);
  const double logic_per_mm2 = node.logic_mtr_per_mm2 * 1e6 * a.logic_utilization;
  for (BlockArea* b : {&r.weight_cells, &r.product_banks, &r.adders, &r.registers, &r.vector_units,
                       &r.control, &r.host_interface, &r.bit_exact_fp32, &r.bit_exact_adders}) {
    b->mm2 = b->transistors / logic_per_mm2;
  }
  auto sram = [&](BlockArea& b, double mib) {
    const double bits = mib * 1024.0 * 1024.0 * 8.0;
    b.transistors = bits * 6.0 * (1.0 + a.sram_periphery);
    b.mm2 = bits * node.sram_bitcell_um2 * (1.0 + a.sram_periphery) * 1e-6;
  };
  sram(r.kv_sram, config.kv_sram.capacity_mib);
  sram(r.lora_sram, config.lora_sram.capacity_mib);
  // The LoRA path's MAC lanes (arch/lora_timing.hpp) sit in the lora_sram block, only on a chip
  // with LoRA SRAM: n_layer x datapath.lora_lanes fp32 MACs, each costed as one fp32 lane of
  // an element-wise unit (area.vector_lane_transistors: a 24 x 24 multiplier plus
  // add/normalise), not as area.attention_mac_transistors, which configs/hc1.toml sizes for
  // i8 KV (an 8-bit x 8-bit multiply).
  if (config.lora_sram.capacity_mib > 0) {
    const double lanes = static_cast<double>(shape.n_layer) * config.datapath.lora_lanes;
    const double lane_transistors = lanes * a.vector_lane_transistors;
    r.lora_sram.transistors += lane_transistors;
    r.lora_sram.mm2 += lane_transistors / logic_per_mm2;
  }
  for (const BlockArea* b :
       {&r.weight_cells, &r.product_banks, &r.adders, &r.registers, &r.vector_units, &r.kv_sram,
        &r.lora_sram, &r.control, &r.host_interface}) {
    r.transistors += b->transistors;
    r.mm2 += b->mm2;
  }
  return r;
}

}  // namespace etchsim::arch
