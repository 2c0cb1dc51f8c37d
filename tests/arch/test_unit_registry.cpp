// The unit registry (arch/unit_registry.hpp): one complete entry per golden::LayerUnit and
// golden::HeadUnit, in the order a token passes them, and the lists built from it (timing, costs)
// agree with it.
#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "etchsim/arch/area.hpp"
#include "etchsim/arch/chip_config.hpp"
#include "etchsim/arch/energy.hpp"
#include "etchsim/arch/pipeline_timing.hpp"
#include "etchsim/arch/unit_registry.hpp"
#include "etchsim/model/llama_shape.hpp"

namespace etchsim::arch {
namespace {

using golden::HeadUnit;
using golden::LayerUnit;
using MR = MatrixRole;

ChipConfig flagship_config() {
  return load_config(std::string(ETCHSIM_SOURCE_DIR) + "/configs/hc1.toml");
}

WeightTypes types() { return WeightTypes::uniform(gguf::GgmlType::Q4_0); }

// Every field of an entry is set; its timing and cost come out of its own functions.
void expect_complete(const UnitInfo& u, const UnitContext& c) {
  SCOPED_TRACE(std::string(u.name));
  EXPECT_FALSE(u.name.empty());
  ASSERT_NE(u.timing_fn, nullptr);
  ASSERT_NE(u.cost_fn, nullptr);
  const UnitTiming t = u.timing(c);
  EXPECT_GT(t.interval, 0u);
  EXPECT_GE(t.latency, t.interval);
  EXPECT_EQ(u.cost(c).name, u.name);
  // Matvec units, and only they, multiply matrices; only matvec units have a LoRA path.
  EXPECT_EQ(u.kind == UnitKind::Matvec, !u.matrices.empty());
  if (!u.lora_roles.empty()) {
    EXPECT_EQ(u.kind, UnitKind::Matvec);
  }
  EXPECT_FALSE(unit_kind_name(u.kind).empty());
}

TEST(UnitRegistry, EveryLayerUnitHasOneCompleteEntry) {
  const ChipConfig config = flagship_config();
  const model::LlamaShape shape = *model::named_shape("llama-3.1-8b");
  const WeightTypes t = types();
  const UnitContext c{config, shape, t, 1024, false};
  ASSERT_EQ(layer_units().size(), golden::kLayerUnitCount);
  std::set<std::string_view> names;
  for (size_t i = 0; i < golden::kLayerUnitCount; ++i) {
    const auto unit = static_cast<LayerUnit>(i);
    const UnitInfo& u = unit_info(unit);
    ASSERT_TRUE(u.in_layer());
    EXPECT_EQ(u.layer_unit(), unit);
    EXPECT_EQ(&u, &layer_units()[i]);
    EXPECT_EQ(unit_index(unit), i);
    // The name round-trips through golden's.
    EXPECT_EQ(u.name, golden::layer_unit_name(unit));
    EXPECT_EQ(golden::layer_unit_from_name(u.name), unit);
    names.insert(u.name);
    expect_complete(u, c);
    // The LoRA path adapts golden's matrices of the unit, which are the matrices it multiplies.
    const std::span<const model::LoraRole> roles = golden::layer_unit_roles(unit);
    ASSERT_EQ(u.lora_roles.size(), roles.size());
    ASSERT_EQ(u.matrices.size(), roles.size());
    for (size_t r = 0; r < roles.size(); ++r) {
      EXPECT_EQ(u.lora_roles[r], roles[r]);
      EXPECT_EQ(u.matrices[r], matrix_role(roles[r]));
    }
  }
  EXPECT_EQ(names.size(), golden::kLayerUnitCount);  // one entry each
}

TEST(UnitRegistry, EveryHeadUnitHasOneCompleteEntry) {
  const ChipConfig config = flagship_config();
  const model::LlamaShape shape = *model::named_shape("llama-3.1-8b");
  const WeightTypes t = types();
  const UnitContext c{config, shape, t, 1, false};
  ASSERT_EQ(head_units().size(), golden::kHeadUnitCount);
  std::set<std::string_view> names;
  for (size_t i = 0; i < golden::kHeadUnitCount; ++i) {
    const auto unit = static_cast<HeadUnit>(i);
    const UnitInfo& u = unit_info(unit);
    ASSERT_FALSE(u.in_layer());
    EXPECT_EQ(u.head_unit(), unit);
    EXPECT_EQ(&u, &head_units()[i]);
    EXPECT_EQ(unit_index(unit), i);
    EXPECT_EQ(u.name, golden::head_unit_name(unit));
    EXPECT_EQ(golden::head_unit_from_name(u.name), unit);
    names.insert(u.name);
    expect_complete(u, c);
    EXPECT_TRUE(u.lora_roles.empty());  // no LoRA adapters of the LM head
  }
  EXPECT_EQ(names.size(), golden::kHeadUnitCount);
  EXPECT_EQ(units().size(), golden::kLayerUnitCount + golden::kHeadUnitCount);
}

TEST(UnitRegistry, KindsMatricesAndRtl) {
  struct Expected {
    UnitKind kind;
    std::vector<MatrixRole> matrices;
    RtlKind rtl;
  };
  const std::vector<Expected> expected{
      {UnitKind::Norm, {}, RtlKind::None},                         // attn_norm
      {UnitKind::Quantize, {}, RtlKind::None},                     // attn_quantize
      {UnitKind::Matvec, {MR::Q, MR::K, MR::V}, RtlKind::Matvec},  // qkv
      {UnitKind::Rope, {}, RtlKind::None},                         // rope
      {UnitKind::Attention, {}, RtlKind::KvSchedule},              // attention
      {UnitKind::Quantize, {}, RtlKind::None},                     // attn_out_quantize
      {UnitKind::Matvec, {MR::O}, RtlKind::Matvec},                // attn_output
      {UnitKind::Residual, {}, RtlKind::None},                     // attn_residual
      {UnitKind::Norm, {}, RtlKind::None},                         // ffn_norm
      {UnitKind::Quantize, {}, RtlKind::None},                     // ffn_quantize
      {UnitKind::Matvec, {MR::Gate, MR::Up}, RtlKind::Matvec},     // gate_up
      {UnitKind::SiluMul, {}, RtlKind::None},                      // silu_mul
      {UnitKind::Quantize, {}, RtlKind::None},                     // down_quantize
      {UnitKind::Matvec, {MR::Down}, RtlKind::Matvec},             // down
      {UnitKind::Residual, {}, RtlKind::None},                     // ffn_residual
      {UnitKind::Norm, {}, RtlKind::None},                         // output_norm
      {UnitKind::Quantize, {}, RtlKind::None},                     // output_quantize
      {UnitKind::Matvec, {MR::Output}, RtlKind::Matvec},           // output
      {UnitKind::Argmax, {}, RtlKind::None},                       // argmax
  };
  ASSERT_EQ(units().size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const UnitInfo& u = units()[i];
    SCOPED_TRACE(std::string(u.name));
    EXPECT_EQ(u.kind, expected[i].kind);
    EXPECT_EQ(std::vector<MatrixRole>(u.matrices.begin(), u.matrices.end()), expected[i].matrices);
    EXPECT_EQ(u.rtl, expected[i].rtl);
  }
  // LoRA roles: the per-layer matrices of the layer's matvec units.
  using model::LoraRole;
  EXPECT_EQ(std::vector<LoraRole>(unit_info(LayerUnit::Qkv).lora_roles.begin(),
                                  unit_info(LayerUnit::Qkv).lora_roles.end()),
            (std::vector{LoraRole::AttnQ, LoraRole::AttnK, LoraRole::AttnV}));
  EXPECT_EQ(unit_info(LayerUnit::Down).lora_roles.size(), 1u);
  EXPECT_EQ(unit_info(LayerUnit::Down).lora_roles[0], LoraRole::FfnDown);
}

TEST(UnitRegistry, TableOrderIsTheOrderATokenPassesTheUnits) {
  const std::vector<std::string_view> order{
      "attn_norm",         "attn_quantize",   "qkv",           "rope",     "attention",
      "attn_out_quantize", "attn_output",     "attn_residual", "ffn_norm", "ffn_quantize",
      "gate_up",           "silu_mul",        "down_quantize", "down",     "ffn_residual",
      "output_norm",       "output_quantize", "output",        "argmax"};
  ASSERT_EQ(units().size(), order.size());
  for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(units()[i].name, order[i]);
  // Layer units first (in golden::LayerUnit order), then the LM head's.
  for (size_t i = 0; i < units().size(); ++i) {
    EXPECT_EQ(units()[i].in_layer(), i < golden::kLayerUnitCount);
  }
}

TEST(UnitRegistry, StageTimingsAndCostsListTheTable) {
  const ChipConfig config = flagship_config();
  const model::LlamaShape shape = *model::named_shape("llama-3.1-8b");
  const WeightTypes t = types();
  const StageTiming layer = layer_timing(config, shape, t, 77, false);
  const UnitContext c{config, shape, t, 77, false};
  ASSERT_EQ(layer.units.size(), layer_units().size());
  for (size_t i = 0; i < layer.units.size(); ++i) {
    EXPECT_EQ(layer.units[i].unit, layer_units()[i].name);
    EXPECT_EQ(layer.units[i].timing, layer_units()[i].timing(c));
  }
  const StageTiming head = lm_head_timing(config, shape, t, false);
  ASSERT_EQ(head.units.size(), head_units().size());
  for (size_t i = 0; i < head.units.size(); ++i) {
    EXPECT_EQ(head.units[i].unit, head_units()[i].name);
    EXPECT_EQ(head.units[i].timing, head_units()[i].timing(c));
  }
  const std::vector<UnitCost> layer_costs = layer_unit_costs(config, shape, t);
  ASSERT_EQ(layer_costs.size(), layer_units().size());
  for (size_t i = 0; i < layer_costs.size(); ++i) {
    EXPECT_EQ(layer_costs[i].name, layer_units()[i].name);
  }
  const std::vector<UnitCost> head_costs = lm_head_unit_costs(config, shape, t);
  ASSERT_EQ(head_costs.size(), head_units().size());
  for (size_t i = 0; i < head_costs.size(); ++i) {
    EXPECT_EQ(head_costs[i].name, head_units()[i].name);
  }
}

TEST(UnitRegistry, UnknownUnitsAreLogicErrors) {
  EXPECT_THROW(unit_index(static_cast<LayerUnit>(golden::kLayerUnitCount)), std::logic_error);
  EXPECT_THROW(unit_index(static_cast<HeadUnit>(golden::kHeadUnitCount)), std::logic_error);
  EXPECT_THROW(unit_info(static_cast<LayerUnit>(99)), std::logic_error);
  // The energy model looks units up in the registry: an unknown one is not skipped.
  const ChipConfig config = flagship_config();
  const model::LlamaShape shape = *model::named_shape("llama-3.1-8b");
  const WeightTypes t = types();
  const AreaBreakdown area = chip_area(config, shape, t);
  RunActivity a;
  a.cycles = 10;
  a.layers.push_back({{{static_cast<LayerUnit>(golden::kLayerUnitCount), 1}}, 1});
  EXPECT_THROW(run_energy(config, shape, t, area, a), std::logic_error);
  a.layers.clear();
  a.lm_head.unit_tokens.emplace_back(static_cast<HeadUnit>(7), 1);
  EXPECT_THROW(run_energy(config, shape, t, area, a), std::logic_error);
  a.lm_head.unit_tokens = {{HeadUnit::Output, 1}};
  EXPECT_NO_THROW(run_energy(config, shape, t, area, a));
}

}  // namespace
}  // namespace etchsim::arch
