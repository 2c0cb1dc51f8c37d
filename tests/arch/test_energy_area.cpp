// The energy and area formulas (arch/area.hpp, arch/energy.hpp) on hand-computed small cases.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "etchsim/arch/area.hpp"
#include "etchsim/arch/config_error.hpp"
#include "etchsim/arch/energy.hpp"
#include "etchsim/arch/process_node.hpp"
#include "etchsim/arch/weight_cell.hpp"

namespace etchsim::arch {
namespace {

using gguf::GgmlType;

// One layer, n_embd 32, one head: every matrix is 32 x 32 (n_ff 32), n_vocab 64.
model::LlamaShape small_shape() {
  model::LlamaShape s;
  s.name = "hand";
  s.n_layer = 1;
  s.n_embd = 32;
  s.n_head = 1;
  s.n_head_kv = 1;
  s.n_ff = 32;
  s.n_vocab = 64;
  s.n_ctx = 16;
  return s;
}

ChipConfig small_config() {
  ChipConfig c;
  c.datapath.activation_lanes = 4;
  c.datapath.vector_lanes = 8;
  c.datapath.adder_levels_per_stage = 4;
  c.datapath.accumulator_bits = 32;
  c.process.node = "N7";
  return c;
}

const UnitCost& unit(const std::vector<UnitCost>& units, const std::string& name) {
  for (const UnitCost& u : units) {
    if (u.name == name) return u;
  }
  throw std::logic_error("no unit " + name);
}

TEST(Area, RowDatapathCountsTreeAccumulatorAndRegisters) {
  // 4 lanes: 2 adders of 13 bits, 1 of 14; 32-bit accumulator; registers: tree output (14) and
  // accumulator (32); depth 2 < 4 levels per stage, so no register inside the tree.
  RowDatapath r = row_datapath(4, 1, 4, 32);
  EXPECT_EQ(r.adder_bits, 26u + 14u + 32u);
  EXPECT_EQ(r.register_bits, 14u + 32u);
  // Two cell planes, a register after every level: level 1 leaves 2 values of 13 bits.
  // Join: 12 + 2 + 4 = 18 bits.
  r = row_datapath(4, 2, 1, 24);
  EXPECT_EQ(r.adder_bits, 2u * 40u + 18u + 24u);
  EXPECT_EQ(r.register_bits, 2u * (26u + 14u) + 24u);
  // 32 lanes: 16x13 + 8x14 + 4x15 + 2x16 + 1x17 = 429; a register after level 4 (2 x 16).
  r = row_datapath(32, 1, 4, 32);
  EXPECT_EQ(r.adder_bits, 429u + 32u);
  EXPECT_EQ(r.register_bits, 32u + 17u + 32u);
  // 3 lanes: 1 adder of 13 bits, then 1 of 14.
  EXPECT_EQ(row_datapath(3, 1, 4, 32).adder_bits, 13u + 14u + 32u);
}

TEST(Area, MatvecUnitCostsByHand) {
  const ChipConfig c = small_config();
  const WeightTypes t = WeightTypes::uniform(GgmlType::Q4_0);
  const auto units = layer_unit_costs(c, small_shape(), t);
  ASSERT_EQ(units.size(), 15u);
  const UnitCost& o = unit(units, "attn_output");
  // 32 x 32 Q4_0: 1024 weight cells + 32 rows x 1 block x 16 scale bits / 4 = 128 scale cells.
  EXPECT_EQ(o.cells, 1152u);
  EXPECT_EQ(o.product_banks, 4u);
  EXPECT_EQ(o.adder_bits, 32u * 72u);
  EXPECT_EQ(o.register_bits, 32u * 46u + 32u * 32u);  // rows + the 32 fp32 outputs
  // Per token: every cell selects once, 8 passes of 4 lanes, every row's tree each pass.
  EXPECT_DOUBLE_EQ(o.cell_selects, 1152.0);
  EXPECT_DOUBLE_EQ(o.product_lane_cycles, 32.0);
  EXPECT_DOUBLE_EQ(o.adder_bit_ops, 32.0 * 72.0 * 8.0);
  EXPECT_DOUBLE_EQ(o.register_bits_latched, 32.0 * 46.0 * 8.0 + 1024.0);
  const UnitCost& norm = unit(units, "attn_norm");
  EXPECT_EQ(norm.vector_lanes, 8u);
  EXPECT_DOUBLE_EQ(norm.vector_ops, 64.0);
  // The KV row (32 f16 = 512 bits) fits the 8 banks of 128 bits twice: 2 rows per cycle,
  // each row's 32 elements times 1 query head.
  EXPECT_EQ(unit(units, "attention").attention_macs, 64u);
  // 7 matvec units: QKV gets three banks per lane.
  ChipConfig seven = c;
  seven.datapath.matvec_units = 7;
  EXPECT_EQ(unit(layer_unit_costs(seven, small_shape(), t), "qkv").product_banks, 12u);
  EXPECT_EQ(unit(layer_unit_costs(seven, small_shape(), t), "gate_up").product_banks, 8u);
}

TEST(Area, ChipAreaAddsBlocksAtTheNodeDensity) {
  ChipConfig c = small_config();
  c.kv_sram.capacity_mib = 1.0;
  c.lora_sram.capacity_mib = 0.0;
  const WeightTypes t = WeightTypes::uniform(GgmlType::Q4_0);
  const AreaBreakdown a = chip_area(c, small_shape(), t);
  // KV: 2^23 bits x 6T x (1 + 0.4); N7 bit cell 0.027 um^2 x 1.4.
  EXPECT_NEAR(a.kv_sram.transistors, 8388608.0 * 6.0 * 1.4, 1e-3);
  EXPECT_NEAR(a.kv_sram.mm2, 8388608.0 * 0.027 * 1.4 * 1e-6, 1e-9);
  EXPECT_DOUBLE_EQ(a.lora_sram.transistors, 0.0);
  // Cells: 7 matrices of 32 x 32 Q4_0 (1152 cells each) in the layer, the 64 x 32 output.
  EXPECT_DOUBLE_EQ(a.weight_cells.transistors, 7 * 1152.0 + 2 * 1152.0);
  // Product banks: 4 units x 4 lanes per layer + 4 in the LM head, at the synthesized price.
  EXPECT_DOUBLE_EQ(c.area.product_bank_transistors, 1734.0);
  EXPECT_DOUBLE_EQ(a.product_banks.transistors, 20.0 * 1734.0);
  EXPECT_DOUBLE_EQ(a.host_interface.transistors, c.area.host_interface_transistors);
  const double datapath = a.product_banks.transistors + a.adders.transistors +
                          a.registers.transistors + a.vector_units.transistors;
  EXPECT_DOUBLE_EQ(a.control.transistors, 0.05 * datapath);
  const double per_mm2 = 91.2e6 * 0.57;
  EXPECT_NEAR(a.adders.mm2, a.adders.transistors / per_mm2, 1e-12);
  double sum = 0, mm2 = 0;
  for (const BlockArea* b :
       {&a.weight_cells, &a.product_banks, &a.adders, &a.registers, &a.vector_units, &a.kv_sram,
        &a.lora_sram, &a.control, &a.host_interface}) {
    sum += b->transistors;
    mm2 += b->mm2;
  }
  EXPECT_DOUBLE_EQ(a.transistors, sum);
  EXPECT_DOUBLE_EQ(a.mm2, mm2);
  // A denser node: same transistors, less area.
  c.process.node = "N5";
  const AreaBreakdown n5 = chip_area(c, small_shape(), t);
  EXPECT_DOUBLE_EQ(n5.transistors, a.transistors);
  EXPECT_LT(n5.mm2, a.mm2);
}

TEST(Area, BitExactDatapathIsPricedBesideTheTotal) {
  ChipConfig c = small_config();
  const AreaBreakdown a = chip_area(c, small_shape(), WeightTypes::uniform(GgmlType::Q4_0));
  // Rows: q, k, v, o, down 32 each, gate and up 32 each (224 in the layer), output 64. Per row
  // 8 lanes x (fma 74,344 + int->fp32 3,304) + multiply 53,450 + 7 adds x 20,262 = 816,468.
  EXPECT_DOUBLE_EQ(a.bit_exact_fp32.transistors, 288.0 * 816468.0);
  EXPECT_DOUBLE_EQ(a.bit_exact_adders.transistors, 0.0);  // Q4_0: a plain reduction per block
  EXPECT_DOUBLE_EQ(a.bit_exact().transistors, a.bit_exact_fp32.transistors);
  EXPECT_NEAR(a.bit_exact_fp32.mm2, a.bit_exact_fp32.transistors / (91.2e6 * 0.57), 1e-9);
  // Not in the total: the blocks alone sum to it.
  double sum = 0;
  for (const BlockArea* b :
       {&a.weight_cells, &a.product_banks, &a.adders, &a.registers, &a.vector_units, &a.kv_sram,
        &a.lora_sram, &a.control, &a.host_interface}) {
    sum += b->transistors;
  }
  EXPECT_DOUBLE_EQ(a.transistors, sum);

  // K-quant rows (256 columns): their adders again x (6.35 - 1).
  model::LlamaShape wide = small_shape();
  wide.n_embd = 256;
  wide.n_ff = 256;
  const AreaBreakdown k = chip_area(c, wide, WeightTypes::uniform(GgmlType::Q4_K));
  const RowDatapath row =
      row_datapath(4, cell_layout(GgmlType::Q4_K, false).cells_per_weight, 4, 32);
  const double rows = 7 * 256 + 64;
  EXPECT_NEAR(k.bit_exact_adders.transistors,
              rows * static_cast<double>(row.adder_bits) * 5.35 * 28.0, 1e-3);
  EXPECT_DOUBLE_EQ(k.bit_exact_fp32.transistors, rows * 816468.0);
  c.area.bit_exact_kquant_adder_factor = 1.0;  // synthesis equal to arch/: nothing extra
  EXPECT_DOUBLE_EQ(
      chip_area(c, wide, WeightTypes::uniform(GgmlType::Q4_K)).bit_exact_adders.transistors, 0.0);
  EXPECT_DOUBLE_EQ(chip_area(c, wide, WeightTypes::uniform(GgmlType::Q4_K)).transistors,
                   k.transistors);
}

TEST(Area, LoraLanesOnlyWithLoraSram) {
  ChipConfig c = small_config();
  c.datapath.lora_lanes = 16;
  const model::LlamaShape s = small_shape();
  const WeightTypes t = WeightTypes::uniform(GgmlType::Q4_0);
  // No LoRA SRAM: no lanes either, whatever lora_lanes says.
  c.lora_sram.capacity_mib = 0.0;
  const AreaBreakdown none = chip_area(c, s, t);
  EXPECT_DOUBLE_EQ(none.lora_sram.transistors, 0.0);
  EXPECT_DOUBLE_EQ(none.lora_sram.mm2, 0.0);
  // 1 MiB of LoRA SRAM: its bit cells plus 1 layer x 16 lanes x vector_lane_transistors, the
  // lanes at the N7 logic density.
  c.lora_sram.capacity_mib = 1.0;
  const AreaBreakdown with = chip_area(c, s, t);
  const double lanes = 16.0 * c.area.vector_lane_transistors;
  EXPECT_NEAR(with.lora_sram.transistors, 8388608.0 * 6.0 * 1.4 + lanes, 1e-3);
  EXPECT_NEAR(with.lora_sram.mm2, 8388608.0 * 0.027 * 1.4 * 1e-6 + lanes / (91.2e6 * 0.57), 1e-9);
  EXPECT_NEAR(with.transistors - none.transistors, 8388608.0 * 6.0 * 1.4 + lanes, 1e-3);
  // Twice the lanes, twice the lane transistors; the other blocks do not move.
  c.datapath.lora_lanes = 32;
  const AreaBreakdown wide = chip_area(c, s, t);
  EXPECT_NEAR(wide.lora_sram.transistors - with.lora_sram.transistors, lanes, 1e-3);
  EXPECT_DOUBLE_EQ(wide.vector_units.transistors, with.vector_units.transistors);
  EXPECT_DOUBLE_EQ(wide.control.transistors, with.control.transistors);
  // More layers, more lanes: 3 layers x 32 lanes.
  model::LlamaShape three = s;
  three.n_layer = 3;
  const AreaBreakdown deep = chip_area(c, three, t);
  EXPECT_NEAR(deep.lora_sram.transistors,
              8388608.0 * 6.0 * 1.4 + 96.0 * c.area.vector_lane_transistors, 1e-3);
}

TEST(Energy, LoraTermByHand) {
  ChipConfig c = small_config();
  c.lora_sram.capacity_mib = 2.0;
  c.lora_sram.banks = 2;
  c.energy.sram_read_fj_per_bit = 10.0;
  c.energy.sram_write_fj_per_bit = 20.0;
  c.energy.attention_mac_fj = 300.0;
  model::LlamaShape s = small_shape();
  s.n_layer = 4;
  // 2 MiB over 4 layers x 2 banks: 256 KiB macros, sqrt = 16.
  EXPECT_DOUBLE_EQ(lora_macro_kib(c.lora_sram, 4), 256.0);
  const WeightTypes t = WeightTypes::uniform(GgmlType::Q4_0);
  const AreaBreakdown area = chip_area(c, s, t);
  RunActivity a;
  a.lora_bits_read = 1000;
  a.lora_bits_written = 300;
  a.lora_macs = 50;
  const EnergySplit e = run_energy(c, s, t, area, a);
  // 1000 x 160 + 300 x 320 + 50 x 300 = 160,000 + 96,000 + 15,000 = 271,000 fJ.
  EXPECT_NEAR(e.lora, 271000e-15, 1e-21);
  EXPECT_DOUBLE_EQ(e.kv_sram, 0.0);
  EXPECT_DOUBLE_EQ(e.vector_units, 0.0);
  EXPECT_NEAR(e.total(), e.lora + e.leakage + e.clock + e.host_link, 1e-24);
  // Scaled with the node like the other dynamic energy.
  c.process.node = "N5";
  EXPECT_NEAR(run_energy(c, s, t, chip_area(c, s, t), a).lora, 0.7 * 271000e-15, 1e-21);
}

TEST(ProcessNode, KnowsEveryConfigNodeAndRefusesOthers) {
  for (const char* n : {"N16", "N12", "N7", "N6", "N5", "N4", "N3"}) {
    EXPECT_GT(process_node(n).logic_mtr_per_mm2, 0.0) << n;
  }
  EXPECT_DOUBLE_EQ(process_node(kReferenceNode).energy_factor, 1.0);
  EXPECT_DOUBLE_EQ(process_node("N6").logic_mtr_per_mm2, 114.2);
  EXPECT_THROW(process_node("N2"), ConfigError);
}

TEST(Energy, SramEnergyScalesWithTheSquareRootOfTheMacro) {
  EXPECT_DOUBLE_EQ(sram_bit_fj(11.0, 16.0), 44.0);
  EXPECT_DOUBLE_EQ(sram_bit_fj(11.0, 1.0), 11.0);
  KvSramConfig kv;
  kv.capacity_mib = 1.0;
  kv.banks = 4;
  EXPECT_DOUBLE_EQ(kv_macro_kib(kv, 2), 128.0);
  // Horowitz's 45 nm figures follow the square root: 8 KiB 10 pJ, 32 KiB 20 pJ per 64 bits.
  EXPECT_NEAR(sram_bit_fj(10e3 / 64 / std::sqrt(8.0), 32.0) * 64, 20e3, 1e-6);
}

TEST(Energy, RunEnergyByHand) {
  ChipConfig c = small_config();
  c.clock.clock_mhz = 1000.0;
  c.kv_sram.capacity_mib = 1.0;
  c.kv_sram.banks = 4;
  c.energy.clock_gating = 0.5;
  const model::LlamaShape s = small_shape();
  const WeightTypes t = WeightTypes::uniform(GgmlType::Q4_0);
  const AreaBreakdown area = chip_area(c, s, t);
  RunActivity a;
  a.layers.push_back({{{golden::LayerUnit::AttnOutput, 3}, {golden::LayerUnit::AttnNorm, 3}}, 400});
  a.lm_head = {{}, 100};
  a.kv_bits_read = 1000;
  a.kv_bits_written = 100;
  a.kv_rows_read = 10;
  a.host_bytes = 50;
  a.cycles = 1000;
  const EnergySplit e = run_energy(c, s, t, area, a);
  const EnergyConfig& k = c.energy;
  EXPECT_NEAR(e.weight_cells, 3 * 1152 * k.cell_select_fj * 1e-15, 1e-24);
  EXPECT_NEAR(e.product_banks, 3 * 32 * k.product_bank_lane_fj * 1e-15, 1e-24);
  EXPECT_NEAR(e.adders, 3 * 32 * 72 * 8 * k.adder_bit_fj * 1e-15, 1e-24);
  EXPECT_NEAR(e.registers, 3 * (32 * 46 * 8 + 1024 + 32 * 32) * k.register_bit_fj * 1e-15, 1e-24);
  // attn_norm: 3 tokens x 64 ops; attention: 10 rows x 1 head x 32 elements.
  EXPECT_NEAR(e.vector_units, (3 * 64 * k.vector_op_fj + 10 * 32 * k.attention_mac_fj) * 1e-15,
              1e-24);
  // 1 MiB over 1 layer x 4 banks: 256 KiB macros, sqrt = 16.
  EXPECT_NEAR(e.kv_sram,
              (1000 * 16 * k.sram_read_fj_per_bit + 100 * 16 * k.sram_write_fj_per_bit) * 1e-15,
              1e-24);
  EXPECT_NEAR(e.host_link, 50 * k.host_link_pj_per_byte * 1e-12, 1e-24);
  EXPECT_NEAR(e.leakage, area.transistors * k.leakage_nw_per_transistor * 1e-9 * 1e-6, 1e-18);
  // Clock: busy cycles in full, idle ones at half (gating 0.5).
  const double clocked = static_cast<double>(area.register_bits_layers.at(0)) * (400 + 600 * 0.5) +
                         static_cast<double>(area.register_bits_lm_head) * (100 + 900 * 0.5);
  EXPECT_NEAR(e.clock, clocked * k.clock_fj_per_register_bit * 1e-15, 1e-20);
  EXPECT_DOUBLE_EQ(e.lora, 0.0);  // no LoRA activity
  EXPECT_DOUBLE_EQ(e.total(), e.weight_cells + e.product_banks + e.adders + e.registers +
                                  e.vector_units + e.kv_sram + e.lora + e.host_link + e.leakage +
                                  e.clock);

  // N5 scales everything but the host link by 0.7.
  c.process.node = "N5";
  const EnergySplit n5 = run_energy(c, s, t, chip_area(c, s, t), a);
  EXPECT_NEAR(n5.adders, 0.7 * e.adders, 1e-24);
  EXPECT_NEAR(n5.clock, 0.7 * e.clock, 1e-20);
  EXPECT_DOUBLE_EQ(n5.host_link, e.host_link);
}

}  // namespace
}  // namespace etchsim::arch
