#include "etchsim/chip/lm_head.hpp"

#include <string>

#include "etchsim/golden/layer_datapath.hpp"

namespace etchsim::chip {

LmHead::LmHead(sc_core::sc_module_name name, uint32_t stage, ChipContext& ctx,
               const golden::SamplingParams& sampling)
    : sc_module(name), m_tokens(ctx.tokens), m_sampling(sampling) {
  const arch::StageTiming timing = arch::lm_head_timing(ctx.config, ctx.shape, ctx.types,
                                                        ctx.config.weight_cells.allow_f16_weights);
  for (size_t i = 0; i < timing.units.size(); ++i) {
    const auto unit = static_cast<golden::HeadUnit>(i);
    PipelineUnit::FireFn fire;
    if (unit == golden::HeadUnit::Argmax) {
      if (m_tokens.functional()) fire = [this](const TokenTag& tag) { choose(tag); };
    } else if (m_tokens.functional()) {
      fire = [this, unit](const TokenTag& tag) {
        golden::TokenState& state = m_tokens.state(tag.slot);
        m_tokens.datapath().run(unit, state);
        if (unit == golden::HeadUnit::Output && m_on_logits) m_on_logits(tag, state.logits);
      };
    }
    const arch::UnitTiming t = timing.units[i].timing;
    m_units.push_back(std::make_unique<PipelineUnit>(std::string(golden::head_unit_name(unit)), t,
                                                     std::move(fire)));
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
