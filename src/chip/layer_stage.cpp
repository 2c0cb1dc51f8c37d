#include "etchsim/chip/layer_stage.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "etchsim/arch/lora_timing.hpp"
#include "etchsim/arch/unit_registry.hpp"

namespace etchsim::chip {

LayerStage::LayerStage(sc_core::sc_module_name name, uint32_t layer, uint32_t stage,
                       ChipContext& ctx)
    : sc_module(name), m_layer(layer) {
  const bool allow_float = ctx.config.weight_cells.allow_f16_weights;
  // This layer's own weight types: its cells, trees and timing (a mixture differs by layer).
  const arch::WeightTypes& types = ctx.types.layer(layer);
  const arch::UnitContext at_first{ctx.config, ctx.shape, types, 1, allow_float};
  for (const arch::UnitInfo& info : arch::layer_units()) {
    const golden::LayerUnit unit = info.layer_unit();
    const bool is_attention = info.kind == arch::UnitKind::Attention;
    // A matvec unit has a LoRA path beside it when the chip has a LoRA SRAM.
    const bool has_lora = ctx.config.lora_sram.capacity_mib > 0 && !info.lora_roles.empty();
    PipelineUnit::FireFn fire;
    KvSram* kv = &ctx.kv;
    LoraSram* lora = &ctx.lora;
    TokenStore* tokens = &ctx.tokens;
    const Pipeline* pipeline = &ctx.pipeline;  // the cycle of a KV write: the accept's
    if (tokens->functional()) {
      fire = [kv, lora, has_lora, tokens, unit, layer, is_attention,
              pipeline](const TokenTag& tag) {
        if (is_attention) kv->write_rows(tag.seq, layer, tag.pos, pipeline->firing_cycle());
        if (has_lora) lora->count(tag.seq, layer, unit);
        tokens->datapath().run(unit, layer, tokens->state(tag.slot), kv->cache(tag.seq, layer));
      };
    } else if (is_attention) {
      fire = [kv, layer, pipeline](const TokenTag& tag) {
        kv->write_rows(tag.seq, layer, tag.pos, pipeline->firing_cycle());
      };
    } else if (has_lora) {
      fire = [lora, unit, layer](const TokenTag& tag) { lora->count(tag.seq, layer, unit); };
    }
    std::string unit_name(info.name);
    const arch::UnitTiming base = info.timing(at_first);
    UnitTimingSource* source = nullptr;
    for (const UnitTimingOverride& o : ctx.timing_overrides) {
      if (o.layer == layer && o.unit == unit) source = o.source;
    }
    if (source != nullptr) {
      // RTL in the loop: the unit's cycles, token by token, from its Verilated RTL.
      if (has_lora || is_attention) {
        throw std::invalid_argument("layer " + std::to_string(layer) + " " + unit_name +
                                    ": RTL in the loop covers matvec units without LoRA only");
      }
      auto timing_fn = [source, tokens](const TokenTag& tag) {
        return source->timing(tag, tokens->functional() ? &tokens->state(tag.slot) : nullptr);
      };
      m_units.push_back(std::make_unique<PipelineUnit>(std::move(unit_name),
                                                       pipeline_depth(source->nominal()),
                                                       std::move(timing_fn), std::move(fire)));
    } else if (is_attention) {
      // The attention unit's timing grows with the token's position; each position's is
      // computed once (every layer and user passes through the same positions; attention's
      // timing does not depend on the layer's weight types).
      ctx.attention_timing.resize(ctx.max_positions);
      auto timing_fn = [config = &ctx.config, shape = &ctx.shape, types = &types, info = &info,
                        allow_float, known = &ctx.attention_timing](const TokenTag& tag) {
        if (tag.pos < known->size() && (*known)[tag.pos].latency != 0) return (*known)[tag.pos];
        const arch::UnitTiming t =
            info->timing({*config, *shape, *types, uint64_t{tag.pos} + 1, allow_float});
        if (tag.pos < known->size()) (*known)[tag.pos] = t;
        return t;
      };
      const arch::UnitContext at_last{ctx.config, ctx.shape, types, ctx.max_positions, allow_float};
      const uint32_t depth = std::max(pipeline_depth(base), pipeline_depth(info.timing(at_last)));
      m_units.push_back(std::make_unique<PipelineUnit>(std::move(unit_name), depth,
                                                       std::move(timing_fn), std::move(fire)));
      m_units.back()->memo_by_position(&ctx.attention_timing);
    } else if (has_lora) {
      // A token of a sequence bound to an adapter takes the LoRA path's timing too.
      auto timing_fn = [lora, layer, unit, base](const TokenTag& tag) {
        return lora->timing(tag.seq, layer, unit, base);
      };
      // Room for an adapted token: ceil(latency / interval) is at most one more than the base's
      // when the hard-wired matvec is slower, and lora_extra_depth when the LoRA path is.
      const uint32_t depth = std::max(pipeline_depth(base) + 1, arch::lora_extra_depth(ctx.config));
      m_units.push_back(std::make_unique<PipelineUnit>(std::move(unit_name), depth,
                                                       std::move(timing_fn), std::move(fire)));
      // Timing runs: the fire only counts LoRA reads, nothing to count without an adapter.
      if (!tokens->functional()) m_units.back()->gate_callbacks(&lora->any_bound(), base);
    } else {
      m_units.push_back(
          std::make_unique<PipelineUnit>(std::move(unit_name), base, std::move(fire)));
    }
    ctx.pipeline.add(m_units.back().get(), stage);
  }
}

}  // namespace etchsim::chip
