// The golden forward pass: embedding, layers, output norm, LM head (golden_model.hpp), every
// step a LayerDatapath unit (layer_datapath.hpp).
#include "etchsim/golden/golden_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace etchsim::golden {
namespace {

int context_size(const model::LlamaModel& m, int requested) {
  const auto model_ctx = static_cast<int64_t>(m.shape().n_ctx);
  if (requested < 0 || requested > model_ctx) {
    throw std::invalid_argument(
        fmt::format("context size {} must be 0 (the model's) or in [1, {}] (its context_length)",
                    requested, model_ctx));
  }
  return requested == 0 ? static_cast<int>(model_ctx) : requested;
}

}  // namespace

GoldenModel::GoldenModel(const gguf::GgufFile& file, const GoldenOptions& options)
    : m_model(file),
      m_options(options),
      m_n_ctx(context_size(m_model, options.n_ctx)),
      m_datapath(m_model, options.profile, options.kernel),
      m_state(m_datapath.make_state()) {
  m_kv.reserve(m_datapath.n_layer());
  for (size_t i = 0; i < m_datapath.n_layer(); ++i) {
    m_kv.push_back(m_datapath.make_kv_cache(options.kv_type, m_n_ctx));
  }
}

void GoldenModel::check_token(int32_t token) const {
  if (token < 0 || token >= n_vocab()) {
    throw std::invalid_argument(
        fmt::format("token id {} is outside the vocabulary [0, {})", token, n_vocab()));
  }
}

std::vector<float> GoldenModel::evaluate(int32_t token) {
  check_token(token);
  if (m_n_past >= m_n_ctx) {
    throw std::invalid_argument(
        fmt::format("position {} is beyond the context of {} tokens", m_n_past, m_n_ctx));
  }
  const LoraBinding lora{.adapter = m_options.lora, .user_scale = m_options.lora_scale};
  m_datapath.embed(token, m_n_past, m_state, &lora);
  for (size_t i = 0; i < m_kv.size(); ++i) layer(i);
  ++m_n_past;
  for (size_t u = 0; u < kHeadUnitCount; ++u) m_datapath.run(static_cast<HeadUnit>(u), m_state);
  return m_state.logits;
}

std::vector<std::vector<float>> GoldenModel::evaluate(std::span<const int32_t> tokens) {
  if (tokens.empty()) throw std::invalid_argument("the token list is empty");
  for (const int32_t t : tokens) check_token(t);
  if (static_cast<int64_t>(m_n_past) + static_cast<int64_t>(tokens.size()) > m_n_ctx) {
    throw std::invalid_argument(
        fmt::format("{} tokens after {} cached positions exceed the context of {} tokens",
                    tokens.size(), m_n_past, m_n_ctx));
  }
  std::vector<std::vector<float>> logits;
  logits.reserve(tokens.size());
  const LoraBinding lora{.adapter = m_options.lora, .user_scale = m_options.lora_scale};
  for (size_t begin = 0; begin < tokens.size(); begin += kPrefillBatch) {
    const size_t n = std::min(kPrefillBatch, tokens.size() - begin);
    if (n == 1) {
      logits.push_back(evaluate(tokens[begin]));
      continue;
    }
    while (m_batch.size() < n) m_batch.push_back(m_datapath.make_state());
    std::vector<TokenState*> states;
    for (size_t i = 0; i < n; ++i) {
      m_datapath.embed(tokens[begin + i], m_n_past + static_cast<int>(i), m_batch[i], &lora);
      states.push_back(&m_batch[i]);
    }
    for (size_t l = 0; l < m_kv.size(); ++l) {
      for (size_t u = 0; u < kLayerUnitCount; ++u) {
        m_datapath.run_batch(static_cast<LayerUnit>(u), l, states, m_kv[l]);
      }
    }
    m_n_past += static_cast<int>(n);
    for (size_t u = 0; u < kHeadUnitCount; ++u) {
      m_datapath.run_batch(static_cast<HeadUnit>(u), states);
    }
    for (size_t i = 0; i < n; ++i) logits.push_back(m_batch[i].logits);
  }
  return logits;
}

}  // namespace etchsim::golden
