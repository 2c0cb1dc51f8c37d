// The LM head stage: final RMSNorm, activation quantiser, output matvec over n_vocab rows and
// the argmax / seeded-sampling unit that picks the next token for tokens tagged `emit`.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <span>
#include <systemc>
#include <vector>

#include "etchsim/chip/chip_context.hpp"
#include "etchsim/chip/pipeline_unit.hpp"
#include "etchsim/golden/sampling.hpp"

namespace etchsim::chip {

class LmHead : public sc_core::sc_module {
 public:
  // Functional runs: called with every token's logits when the output matvec fires.
  using LogitsFn = std::function<void(const TokenTag&, std::span<const float>)>;

  LmHead(sc_core::sc_module_name name, uint32_t stage, ChipContext& ctx,
         const golden::SamplingParams& sampling);

  const std::vector<std::unique_ptr<PipelineUnit>>& units() const { return m_units; }
  void on_logits(LogitsFn fn) { m_on_logits = std::move(fn); }
  // A new sequence starts its own sampler, seeded with sampling.seed + seq.
  void start_sequence(uint32_t seq, uint32_t seed_offset);

 private:
  void choose(const TokenTag& tag);

  TokenStore& m_tokens;
  golden::SamplingParams m_sampling;
  std::map<uint32_t, golden::Sampler> m_samplers;
  LogitsFn m_on_logits;
  std::vector<std::unique_ptr<PipelineUnit>> m_units;
};

}  // namespace etchsim::chip
