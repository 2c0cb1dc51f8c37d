#include "etchsim/chip/lm_head.hpp"

#include <string>

#include "etchsim/arch/unit_registry.hpp"
#include "etchsim/golden/layer_datapath.hpp"

namespace etchsim::chip {

LmHead::LmHead(sc_core::sc_module_name name, uint32_t stage, ChipContext& ctx,
               const golden::SamplingParams& sampling)
    : sc_module(name), m_tokens(ctx.tokens), m_sampling(sampling) {
  const arch::UnitContext uctx{ctx.config, ctx.shape, ctx.types.head(), 1,
                               ctx.config.weight_cells.allow_f16_weights};
  for (const arch::UnitInfo& info : arch::head_units()) {
    const golden::HeadUnit unit = info.head_unit();
    PipelineUnit::FireFn fire;
    if (info.kind == arch::UnitKind::Argmax) {
      if (m_tokens.functional()) fire = [this](const TokenTag& tag) { choose(tag); };
    } else if (m_tokens.functional()) {
      fire = [this, unit](const TokenTag& tag) {
        golden::TokenState& state = m_tokens.state(tag.slot);
        m_tokens.datapath().run(unit, state);
        if (unit == golden::HeadUnit::Output && m_on_logits) m_on_logits(tag, state.logits);
      };
    }
    m_units.push_back(
        std::make_unique<PipelineUnit>(std::string(info.name), info.timing(uctx), std::move(fire)));
    ctx.pipeline.add(m_units.back().get(), stage);
  }
}

void LmHead::start_sequence(uint32_t seq, uint32_t seed_offset) {
  golden::SamplingParams params = m_sampling;
  params.seed += seed_offset;
  m_samplers.insert_or_assign(seq, golden::Sampler(params));
}

void LmHead::choose(const TokenTag& tag) {
  if (!tag.emit) return;
  m_tokens.token(tag.slot) = m_samplers.at(tag.seq).sample(m_tokens.state(tag.slot).logits);
}

}  // namespace etchsim::chip
