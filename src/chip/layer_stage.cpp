#include "etchsim/chip/layer_stage.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>

#include "etchsim/arch/lora_timing.hpp"

namespace etchsim::chip {

LayerStage::LayerStage(sc_core::sc_module_name name, uint32_t layer, uint32_t stage,
                       ChipContext& ctx)
    : sc_module(name), m_layer(layer) {
  const bool allow_float = ctx.config.weight_cells.allow_f16_weights;
  const arch::StageTiming timing =
      arch::layer_timing(ctx.config, ctx.shape, ctx.types, 1, allow_float);
  if (timing.units.size() != golden::kLayerUnitCount) {
    throw std::logic_error("layer_timing and golden::LayerUnit disagree on the unit count");
  }
  const arch::AttentionShape heads{ctx.shape.n_head, ctx.shape.n_head_kv, ctx.shape.head_dim()};
  for (size_t i = 0; i < timing.units.size(); ++i) {
    const auto unit = static_cast<golden::LayerUnit>(i);
    if (timing.units[i].unit != golden::layer_unit_name(unit)) {
      throw std::logic_error("layer_timing and golden::LayerUnit disagree on unit " +
                             std::string(timing.units[i].unit));
    }
    const bool is_attention = unit == golden::LayerUnit::Attention;
    // A matvec unit has a LoRA path beside it when the chip has a LoRA SRAM.
    const std::optional<size_t> lora_unit =
        ctx.config.lora_sram.capacity_mib > 0 ? lora_unit_index(unit) : std::nullopt;
    PipelineUnit::FireFn fire;
    KvSram* kv = &ctx.kv;
    LoraSram* lora = &ctx.lora;
    TokenStore* tokens = &ctx.tokens;
    if (tokens->functional()) {
      fire = [kv, lora, lora_unit, tokens, unit, layer, is_attention](const TokenTag& tag) {
        if (is_attention) kv->write_rows(tag.seq, layer, tag.pos);
        if (lora_unit) lora->count(tag.seq, layer, *lora_unit);
        tokens->datapath().run(unit, layer, tokens->state(tag.slot), kv->cache(tag.seq, layer));
      };
    } else if (is_attention) {
      fire = [kv, layer](const TokenTag& tag) { kv->write_rows(tag.seq, layer, tag.pos); };
    } else if (lora_unit) {
      fire = [lora, lora_unit, layer](const TokenTag& tag) {
        lora->count(tag.seq, layer, *lora_unit);
      };
    }
    std::string unit_name(timing.units[i].unit);
    if (is_attention) {
      // The attention unit's timing grows with the token's position.
      const arch::ChipConfig* config = &ctx.config;
      auto timing_fn = [config, heads](const TokenTag& tag) {
        return arch::attention_timing(uint64_t{tag.pos} + 1, heads, *config);
      };
      const uint32_t depth =
          std::max(pipeline_depth(timing.units[i].timing),
                   pipeline_depth(arch::attention_timing(ctx.max_positions, heads, ctx.config)));
      m_units.push_back(std::make_unique<PipelineUnit>(std::move(unit_name), depth,
                                                       std::move(timing_fn), std::move(fire)));
    } else if (lora_unit) {
      // A token of a sequence bound to an adapter takes the LoRA path's timing too.
      const arch::UnitTiming base = timing.units[i].timing;
      auto timing_fn = [lora, layer, index = *lora_unit, base](const TokenTag& tag) {
        return lora->timing(tag.seq, layer, index, base);
      };
      // Room for an adapted token: ceil(latency / interval) is at most one more than the base's
      // when the hard-wired matvec is slower, and lora_extra_depth when the LoRA path is.
      const uint32_t depth = std::max(pipeline_depth(base) + 1, arch::lora_extra_depth(ctx.config));
      m_units.push_back(std::make_unique<PipelineUnit>(std::move(unit_name), depth,
                                                       std::move(timing_fn), std::move(fire)));
    } else {
      m_units.push_back(std::make_unique<PipelineUnit>(std::move(unit_name), timing.units[i].timing,
                                                       std::move(fire)));
    }
    ctx.pipeline.add(m_units.back().get(), stage);
  }
}

}  // namespace etchsim::chip
