// The golden forward pass: embedding, layers, output norm, LM head (golden_model.hpp;
// ggml-formats.md §5.3 items 1 and 11).
#include "etchsim/golden/golden_model.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "etchsim/gguf/dequantize.hpp"
#include "etchsim/numerics/rms_norm.hpp"
#include "shared_input.hpp"

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
    : m_model(file), m_options(options), m_n_ctx(context_size(m_model, options.n_ctx)) {
  const model::LlamaShape& s = m_model.shape();
  const model::LlamaHparams& hp = m_model.hparams();
  m_rope = numerics::RopeParams{.n_dims = static_cast<int>(hp.n_rot),
                                .freq_base = s.rope_freq_base,
                                .freq_scale = hp.rope_freq_scale,
                                .freq_factors = m_model.rope_freqs()};
  m_kv.reserve(s.n_layer);
  for (uint32_t i = 0; i < s.n_layer; ++i) {
    m_kv.emplace_back(options.kv_type, static_cast<int>(s.n_head_kv),
                      static_cast<int>(s.head_dim()), m_n_ctx);
  }
  const size_t embd = s.n_embd, q = size_t{s.n_head} * s.head_dim(), kv = s.n_embd_kv();
  m_buf = Buffers{.x = std::vector<float>(embd),
                  .norm = std::vector<float>(embd),
                  .q = std::vector<float>(q),
                  .k = std::vector<float>(kv),
                  .v = std::vector<float>(kv),
                  .attn = std::vector<float>(q),
                  .proj = std::vector<float>(embd),
                  .gate = std::vector<float>(s.n_ff),
                  .up = std::vector<float>(s.n_ff)};
}

void GoldenModel::check_token(int32_t token) const {
  if (token < 0 || token >= n_vocab()) {
    throw std::invalid_argument(
        fmt::format("token id {} is outside the vocabulary [0, {})", token, n_vocab()));
  }
}

// §5.3 item 1: ggml_get_rows, i.e. the dequantised row (f16 -> f32 for F16).
void GoldenModel::embed(int32_t token, std::span<float> out) const {
  const model::TensorView& t = m_model.token_embd();
  const size_t row = gguf::row_bytes(t.type, t.cols);
  gguf::dequantize(t.type, t.data.subspan(static_cast<size_t>(token) * row, row), out);
}

std::vector<float> GoldenModel::evaluate(int32_t token) {
  check_token(token);
  if (m_n_past >= m_n_ctx) {
    throw std::invalid_argument(
        fmt::format("position {} is beyond the context of {} tokens", m_n_past, m_n_ctx));
  }
  embed(token, m_buf.x);
  const numerics::RopeCache rope = numerics::rope_cache(m_rope, m_n_past);
  for (size_t i = 0; i < m_kv.size(); ++i) layer(i, rope);
  ++m_n_past;

  // §5.3 item 11: output_norm, then the LM head (output.weight or the tied token_embd).
  numerics::rms_norm(m_buf.x, m_model.output_norm(), m_model.shape().rms_eps, m_buf.norm);
  std::vector<float> logits(static_cast<size_t>(n_vocab()));
  detail::SharedInput(m_buf.norm)
      .matvec(m_model.output(), logits, m_options.profile, m_options.kernel);
  return logits;
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
  for (const int32_t t : tokens) logits.push_back(evaluate(t));
  return logits;
}

}  // namespace etchsim::golden
