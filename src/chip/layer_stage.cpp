#include "etchsim/chip/layer_stage.hpp"

#include <stdexcept>
#include <string>

namespace etchsim::chip {

LayerStage::LayerStage(sc_core::sc_module_name name, uint32_t layer, uint32_t stage,
                       ChipContext& ctx)
    : sc_module(name), m_layer(layer) {
  const bool allow_float = ctx.config.weight_cells.allow_f16_weights;
  const arch::StageTiming timing = arch::layer_timing(ctx.config, ctx.shape, ctx.types, 1, allow_float);
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
    PipelineUnit::TimingFn timing_fn;
    uint32_t depth = pipeline_depth(timing.units[i].timing);
    PipelineUnit::FireFn fire;
    const bool is_attention = unit == golden::LayerUnit::Attention;
    if (is_attention) {
      const arch::ChipConfig* config = &ctx.config;
      timing_fn = [config, heads](const TokenTag& tag) {
        return arch::attention_timing(uint64_t{tag.pos} + 1, heads, *config);
      };
      depth = std::max(depth, pipeline_depth(arch::attention_timing(ctx.max_positions, heads, ctx.config)));
    } else {
      timing_fn = [t = timing.units[i].timing](const TokenTag&) { return t; };
    }
    KvSram* kv = &ctx.kv;
    TokenStore* tokens = &ctx.tokens;
    if (tokens->functional()) {
      fire = [kv, tokens, unit, layer, is_attention](const TokenTag& tag) {
        if (is_attention) kv->write_rows(tag.seq, layer, tag.pos);
        tokens->datapath().run(unit, layer, tokens->state(tag.slot), kv->cache(tag.seq, layer));
      };
    } else if (is_attention) {
      fire = [kv, layer](const TokenTag& tag) { kv->write_rows(tag.seq, layer, tag.pos); };
    }
    m_units.push_back(std::make_unique<PipelineUnit>(std::string(timing.units[i].unit), depth,
                                                     std::move(timing_fn), std::move(fire)));
    ctx.pipeline.add(m_units.back().get(), stage);
  }
}

}  // namespace etchsim::chip
