// The per-unit arithmetic of a token through the chip (layer_datapath.hpp): llama.cpp's llama
// graph in order (ggml-formats.md §5.3 items 1-11).
#include "etchsim/golden/layer_datapath.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <initializer_list>
#include <stdexcept>

#include "etchsim/gguf/dequantize.hpp"
#include "etchsim/numerics/rms_norm.hpp"
#include "etchsim/numerics/swiglu.hpp"

namespace etchsim::golden {
namespace {

constexpr std::array<std::string_view, kLayerUnitCount> kLayerUnitNames{
    "attn_norm",         "attn_quantize", "qkv",           "rope",     "attention",
    "attn_out_quantize", "attn_output",   "attn_residual", "ffn_norm", "ffn_quantize",
    "gate_up",           "silu_mul",      "down_quantize", "down",     "ffn_residual"};
constexpr std::array<std::string_view, kHeadUnitCount> kHeadUnitNames{
    "output_norm", "output_quantize", "output", "argmax"};

// Converts x once per vec_dot_type of `weights` (ggml-formats.md §4.1). The vector keeps its
// capacity; each numerics::Activation allocates its blocks when constructed (it has no refill).
void prepare(PreparedInput& in, std::span<const float> x,
             std::initializer_list<const model::TensorView*> weights) {
  in.conversions.clear();
  for (const model::TensorView* w : weights) {
    const gguf::GgmlType want = numerics::vec_dot_type(w->type);
    bool have = false;
    for (const numerics::Activation& a : in.conversions) have = have || a.type() == want;
    if (!have) in.conversions.emplace_back(w->type, x);
  }
}

}  // namespace

std::string_view layer_unit_name(LayerUnit unit) {
  return kLayerUnitNames.at(static_cast<size_t>(unit));
}

std::string_view head_unit_name(HeadUnit unit) {
  return kHeadUnitNames.at(static_cast<size_t>(unit));
}

std::optional<LayerUnit> layer_unit_from_name(std::string_view name) {
  for (size_t i = 0; i < kLayerUnitNames.size(); ++i) {
    if (kLayerUnitNames[i] == name) return static_cast<LayerUnit>(i);
  }
  return std::nullopt;
}

std::optional<HeadUnit> head_unit_from_name(std::string_view name) {
  for (size_t i = 0; i < kHeadUnitNames.size(); ++i) {
    if (kHeadUnitNames[i] == name) return static_cast<HeadUnit>(i);
  }
  return std::nullopt;
}

LayerDatapath::LayerDatapath(const model::LlamaModel& model, numerics::CpuProfile profile,
                             numerics::Kernel kernel)
    : m_model(model), m_profile(profile), m_kernel(kernel) {
  const model::LlamaShape& s = model.shape();
  const model::LlamaHparams& hp = model.hparams();
  m_rope = numerics::RopeParams{.n_dims = static_cast<int>(hp.n_rot),
                                .freq_base = s.rope_freq_base,
                                .freq_scale = hp.rope_freq_scale,
                                .freq_factors = model.rope_freqs()};
  m_attention = numerics::AttentionShape{.n_head = static_cast<int>(s.n_head),
                                         .n_head_kv = static_cast<int>(s.n_head_kv),
                                         .head_dim = static_cast<int>(s.head_dim())};
}

TokenState LayerDatapath::make_state() const {
  const model::LlamaShape& s = m_model.shape();
  const size_t embd = s.n_embd, q = size_t{s.n_head} * s.head_dim(), kv = s.n_embd_kv();
  TokenState state{.pos = 0,
                   .rope = numerics::rope_cache(m_rope, 0),
                   .x = std::vector<float>(embd),
                   .norm = std::vector<float>(embd),
                   .q = std::vector<float>(q),
                   .k = std::vector<float>(kv),
                   .v = std::vector<float>(kv),
                   .attn = std::vector<float>(q),
                   .proj = std::vector<float>(embd),
                   .gate = std::vector<float>(s.n_ff),
                   .up = std::vector<float>(s.n_ff),
                   .attn_in = {},
                   .attn_out_in = {},
                   .ffn_in = {},
                   .down_in = {},
                   .output_in = {},
                   .logits = std::vector<float>(s.n_vocab)};
  for (PreparedInput* in :
       {&state.attn_in, &state.attn_out_in, &state.ffn_in, &state.down_in, &state.output_in}) {
    in->conversions.reserve(3);
  }
  return state;
}

numerics::KvCache LayerDatapath::make_kv_cache(numerics::KvType type, int capacity) const {
  return numerics::KvCache(type, m_attention.n_head_kv, m_attention.head_dim, capacity);
}

void LayerDatapath::embed(int32_t token, int32_t pos, TokenState& s) const {
  embedding(token, s.x);
  start(pos, s.x, s);
}

// §5.3 item 1: ggml_get_rows, i.e. the dequantised row (f16 -> f32 for F16).
void LayerDatapath::embedding(int32_t token, std::span<float> out) const {
  const model::TensorView& t = m_model.token_embd();
  if (token < 0 || token >= t.rows) {
    throw std::invalid_argument(
        fmt::format("token id {} is outside the vocabulary [0, {})", token, t.rows));
  }
  if (static_cast<int64_t>(out.size()) != t.cols) {
    throw std::invalid_argument(
        fmt::format("embedding: {} values for a row of {}", out.size(), t.cols));
  }
  const size_t row = gguf::row_bytes(t.type, t.cols);
  gguf::dequantize(t.type, t.data.subspan(static_cast<size_t>(token) * row, row), out);
}

void LayerDatapath::start(int32_t pos, std::span<const float> x, TokenState& s) const {
  if (pos < 0) throw std::invalid_argument(fmt::format("position {} is negative", pos));
  if (x.size() != s.x.size()) {
    throw std::invalid_argument(
        fmt::format("start: {} values for a residual stream of {}", x.size(), s.x.size()));
  }
  if (x.data() != s.x.data()) std::copy(x.begin(), x.end(), s.x.begin());
  s.pos = pos;
  s.rope = numerics::rope_cache(m_rope, pos);  // allocates: numerics has no in-place variant
}

void LayerDatapath::matvec(const model::TensorView& w, const PreparedInput& in, std::span<float> y,
                           std::string_view unit) const {
  const gguf::GgmlType want = numerics::vec_dot_type(w.type);
  for (const numerics::Activation& a : in.conversions) {
    if (a.type() == want && a.size() == w.cols) {
      const numerics::WeightMatrix m{w.type, w.rows, w.cols, w.data};
      numerics::matvec(m, a, y, numerics::default_dot_order(m.type, m.rows, m_profile), m_profile,
                       m_kernel);
      return;
    }
  }
  throw std::logic_error(
      fmt::format("{}: its input has no {} conversion of {} values (run its "
                  "quantize unit first)",
                  unit, gguf::traits(want).name, w.cols));
}

void LayerDatapath::run(LayerUnit unit, size_t layer, TokenState& s,
                        numerics::KvCache& cache) const {
  run_unit(unit, layer, s, &cache);
}

void LayerDatapath::run(LayerUnit unit, size_t layer, TokenState& s) const {
  if (unit == LayerUnit::Attention) {
    throw std::invalid_argument("LayerDatapath::run: attention needs the layer's KV cache");
  }
  run_unit(unit, layer, s, nullptr);
}

// §5.3 items 2-10.
void LayerDatapath::run_unit(LayerUnit unit, size_t layer, TokenState& s,
                             numerics::KvCache* cache) const {
  if (layer >= m_model.layers().size()) {
    throw std::out_of_range(
        fmt::format("layer {} is beyond the model's {} layers", layer, m_model.layers().size()));
  }
  const model::LayerWeights& w = m_model.layers()[layer];
  const float eps = m_model.shape().rms_eps;
  switch (unit) {
    case LayerUnit::AttnNorm:
      numerics::rms_norm(s.x, w.attn_norm, eps, s.norm);
      return;
    case LayerUnit::AttnQuantize:
      prepare(s.attn_in, s.norm, {&w.attn_q, &w.attn_k, &w.attn_v});
      return;
    case LayerUnit::Qkv:
      matvec(w.attn_q, s.attn_in, s.q, "qkv");
      matvec(w.attn_k, s.attn_in, s.k, "qkv");
      matvec(w.attn_v, s.attn_in, s.v, "qkv");
      return;
    case LayerUnit::Rope:
      numerics::rope(s.q, m_attention.head_dim, s.rope);
      numerics::rope(s.k, m_attention.head_dim, s.rope);
      return;
    case LayerUnit::Attention:
      cache->store(s.pos, s.k, s.v);
      numerics::attend(m_profile, s.q, *cache, s.pos + 1, m_attention, s.attn);
      return;
    case LayerUnit::AttnOutQuantize:
      prepare(s.attn_out_in, s.attn, {&w.attn_output});
      return;
    case LayerUnit::AttnOutput:
      matvec(w.attn_output, s.attn_out_in, s.proj, "attn_output");
      return;
    case LayerUnit::AttnResidual:
      numerics::add(s.x, s.proj, s.x);  // h = x + attn
      return;
    case LayerUnit::FfnNorm:
      numerics::rms_norm(s.x, w.ffn_norm, eps, s.norm);
      return;
    case LayerUnit::FfnQuantize:
      prepare(s.ffn_in, s.norm, {&w.ffn_gate, &w.ffn_up});
      return;
    case LayerUnit::GateUp:
      matvec(w.ffn_gate, s.ffn_in, s.gate, "gate_up");
      matvec(w.ffn_up, s.ffn_in, s.up, "gate_up");
      return;
    case LayerUnit::SiluMul:
      numerics::swiglu(m_profile, s.gate, s.up, s.gate);
      return;
    case LayerUnit::DownQuantize:
      prepare(s.down_in, s.gate, {&w.ffn_down});
      return;
    case LayerUnit::Down:
      matvec(w.ffn_down, s.down_in, s.proj, "down");
      return;
    case LayerUnit::FfnResidual:
      numerics::add(s.x, s.proj, s.x);  // out = h + ffn
      return;
  }
  throw std::invalid_argument("LayerDatapath::run: unknown layer unit");
}

// §5.3 item 11: output_norm, then the LM head (output.weight or the tied token_embd).
void LayerDatapath::run(HeadUnit unit, TokenState& s) const {
  switch (unit) {
    case HeadUnit::OutputNorm:
      numerics::rms_norm(s.x, m_model.output_norm(), m_model.shape().rms_eps, s.norm);
      return;
    case HeadUnit::OutputQuantize:
      prepare(s.output_in, s.norm, {&m_model.output()});
      return;
    case HeadUnit::Output:
      matvec(m_model.output(), s.output_in, s.logits, "output");
      return;
    case HeadUnit::Argmax:
      return;
  }
  throw std::invalid_argument("LayerDatapath::run: unknown head unit");
}

}  // namespace etchsim::golden
