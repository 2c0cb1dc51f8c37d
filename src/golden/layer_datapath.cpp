// The per-unit arithmetic of a token through the chip (layer_datapath.hpp): llama.cpp's llama
// graph in order (docs/formats.md §5.3 items 1-11).
#include "etchsim/golden/layer_datapath.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "etchsim/gguf/dequantize.hpp"
#include "etchsim/numerics/activation.hpp"
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

using Role = model::LoraRole;
constexpr std::array kQkvRoles{Role::AttnQ, Role::AttnK, Role::AttnV};
constexpr std::array kAttnOutputRoles{Role::AttnOutput};
constexpr std::array kGateUpRoles{Role::FfnGate, Role::FfnUp};
constexpr std::array kDownRoles{Role::FfnDown};

// Where the product of a layer matrix goes.
std::span<float> role_output(TokenState& s, Role role) {
  switch (role) {
    case Role::AttnQ:
      return s.q;
    case Role::AttnK:
      return s.k;
    case Role::AttnV:
      return s.v;
    case Role::AttnOutput:
    case Role::FfnDown:
      return s.proj;
    case Role::FfnGate:
      return s.gate;
    case Role::FfnUp:
      return s.up;
  }
  throw std::invalid_argument("LayerDatapath: unknown matrix role");
}

// Converts x once per vec_dot_type of `weights` (docs/formats.md §4.1). The vector keeps its
// capacity; each numerics::Activation allocates its blocks when constructed (it has no refill).
void prepare_span(PreparedInput& in, std::span<const float> x,
                  std::span<const model::TensorView* const> weights) {
  in.conversions.clear();
  for (const model::TensorView* w : weights) {
    const gguf::GgmlType want = numerics::vec_dot_type(w->type);
    bool have = false;
    for (const numerics::Activation& a : in.conversions) have = have || a.type() == want;
    if (!have) in.conversions.emplace_back(w->type, x);
  }
}

void prepare(PreparedInput& in, std::span<const float> x,
             std::initializer_list<const model::TensorView*> weights) {
  prepare_span(in, x, std::span<const model::TensorView* const>(weights.begin(), weights.size()));
}

// The conversion of `in` a weight of `w`'s type uses, or nullptr.
const numerics::Activation* conversion_for(const PreparedInput& in, const model::TensorView& w) {
  const gguf::GgmlType want = numerics::vec_dot_type(w.type);
  for (const numerics::Activation& a : in.conversions) {
    if (a.type() == want && a.size() == w.cols) return &a;
  }
  return nullptr;
}

// The conversion of `in` a matvec unit's weight `w` multiplies; throws if it is missing.
const numerics::Activation* prepared_for(const PreparedInput& in, const model::TensorView& w,
                                         std::string_view unit) {
  const numerics::Activation* a = conversion_for(in, w);
  if (a == nullptr) {
    throw std::logic_error(
        fmt::format("{}: its input has no {} conversion of {} values (run its "
                    "quantize unit first)",
                    unit, gguf::traits(numerics::vec_dot_type(w.type)).name, w.cols));
  }
  return a;
}

// The prepared input a matvec unit multiplies.
const PreparedInput& unit_input(const TokenState& s, LayerUnit unit) {
  switch (unit) {
    case LayerUnit::Qkv:
      return s.attn_in;
    case LayerUnit::AttnOutput:
      return s.attn_out_in;
    case LayerUnit::GateUp:
      return s.ffn_in;
    default:
      return s.down_in;
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

std::span<const model::LoraRole> layer_unit_roles(LayerUnit unit) {
  switch (unit) {
    case LayerUnit::Qkv:
      return kQkvRoles;
    case LayerUnit::AttnOutput:
      return kAttnOutputRoles;
    case LayerUnit::GateUp:
      return kGateUpRoles;
    case LayerUnit::Down:
      return kDownRoles;
    default:
      return {};
  }
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
  // Every matrix the datapath multiplies must be of a type the dot kernels compute; a file that
  // declares another is refused here, naming the tensor, not at the first token.
  auto check_type = [&](const model::TensorView& w, const std::string& name) {
    if (!numerics::is_supported_weight_type(w.type)) {
      throw std::invalid_argument(
          fmt::format("tensor '{}' has type {}, which etchsim's datapath does not compute", name,
                      gguf::traits(w.type).name));
    }
  };
  for (size_t l = 0; l < model.layers().size(); ++l) {
    const model::LayerWeights& w = model.layers()[l];
    const std::pair<const model::TensorView*, const char*> matrices[] = {
        {&w.attn_q, "attn_q"},           {&w.attn_k, "attn_k"},     {&w.attn_v, "attn_v"},
        {&w.attn_output, "attn_output"}, {&w.ffn_gate, "ffn_gate"}, {&w.ffn_up, "ffn_up"},
        {&w.ffn_down, "ffn_down"}};
    for (const auto& [view, name] : matrices)
      check_type(*view, fmt::format("blk.{}.{}.weight", l, name));
  }
  check_type(model.output(), model.tied_output() ? "token_embd.weight" : "output.weight");
  const model::LlamaShape& s = model.shape();
  const model::LlamaHparams& hp = model.hparams();
  m_rope = numerics::RopeParams{.n_dims = static_cast<int>(hp.n_rot),
                                .freq_base = s.rope_freq_base,
                                .freq_scale = hp.rope_freq_scale,
                                .freq_factors = model.rope_freqs()};
  m_attention = numerics::AttentionShape{.n_head = static_cast<int>(s.n_head),
                                         .n_head_kv = static_cast<int>(s.n_head_kv),
                                         .head_dim = static_cast<int>(s.head_dim())};
  if (kernel == numerics::Kernel::Fast) m_interleaved = InterleavedWeights(model, profile);
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
                   .logits = std::vector<float>(s.n_vocab),
                   .lora = {},
                   .lora_t = {},
                   .lora_d = {}};
  for (PreparedInput* in :
       {&state.attn_in, &state.attn_out_in, &state.ffn_in, &state.down_in, &state.output_in}) {
    in->conversions.reserve(3);
  }
  return state;
}

numerics::KvCache LayerDatapath::make_kv_cache(numerics::KvType type, int capacity) const {
  return numerics::KvCache(type, m_attention.n_head_kv, m_attention.head_dim, capacity);
}

void LayerDatapath::embed(int32_t token, int32_t pos, TokenState& s,
                          const LoraBinding* lora) const {
  embedding(token, s.x);
  start(pos, s.x, s, lora);
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

void LayerDatapath::start(int32_t pos, std::span<const float> x, TokenState& s,
                          const LoraBinding* lora) const {
  if (pos < 0) throw std::invalid_argument(fmt::format("position {} is negative", pos));
  if (x.size() != s.x.size()) {
    throw std::invalid_argument(
        fmt::format("start: {} values for a residual stream of {}", x.size(), s.x.size()));
  }
  if (lora != nullptr && lora->adapter != nullptr) {
    const model::LoraAdapter& a = *lora->adapter;
    if (a.n_layer() != n_layer()) {
      throw std::invalid_argument(
          fmt::format("start: LoRA adapter {} was checked against a model of {} layers, not {}",
                      a.name(), a.n_layer(), n_layer()));
    }
    // Every adapted matrix is checked against its base shape (model::LoraAdapter), but the base
    // may be another model of the same layer count: check each pair against this model's.
    size_t n_out = 0;
    for (size_t l = 0; l < n_layer(); ++l) {
      for (size_t r = 0; r < model::kLoraRoleCount; ++r) {
        const auto role = static_cast<model::LoraRole>(r);
        const model::LoraWeight* w = a.find(l, role);
        if (w == nullptr) continue;
        const model::TensorView& base = model::base_weight(m_model.layers()[l], role);
        if (w->a.cols != base.cols || w->b.rows != base.rows) {
          throw std::invalid_argument(
              fmt::format("start: LoRA adapter {} does not fit this model's blk.{}.{}.weight",
                          a.name(), l, model::lora_role_name(role)));
        }
        n_out = std::max(n_out, static_cast<size_t>(base.rows));
      }
    }
    if (s.lora_t.size() < static_cast<size_t>(a.rank())) s.lora_t.resize(a.rank());
    if (s.lora_d.size() < n_out) s.lora_d.resize(n_out);
    s.lora = *lora;
  } else {
    s.lora = LoraBinding{};
  }
  if (x.data() != s.x.data()) std::copy(x.begin(), x.end(), s.x.begin());
  s.pos = pos;
  s.rope = numerics::rope_cache(m_rope, pos);  // allocates: numerics has no in-place variant
}

void LayerDatapath::matvec(const model::TensorView& w, const PreparedInput& in, std::span<float> y,
                           std::string_view unit) const {
  const numerics::Activation* a = prepared_for(in, w, unit);
  const numerics::WeightMatrix m{w.type, w.rows, w.cols, w.data, m_interleaved.find(w)};
  numerics::matvec(m, *a, y, numerics::default_dot_order(m.type, m.rows, m_profile), m_profile,
                   m_kernel);
}

void LayerDatapath::matmat(const model::TensorView& w, std::span<const PreparedInput* const> ins,
                           std::span<const std::span<float>> ys, std::string_view unit) const {
  std::vector<const numerics::Activation*> xs;
  xs.reserve(ins.size());
  for (const PreparedInput* in : ins) xs.push_back(prepared_for(*in, w, unit));
  const numerics::WeightMatrix m{w.type, w.rows, w.cols, w.data, m_interleaved.find(w)};
  numerics::matmat(m, xs, ys, numerics::default_dot_order(m.type, m.rows, m_profile), m_profile,
                   m_kernel);
}

void LayerDatapath::run_batch(LayerUnit unit, size_t layer, std::span<TokenState* const> states,
                              numerics::KvCache& cache) const {
  const std::span<const Role> roles = layer_unit_roles(unit);
  bool bound = false;
  for (const TokenState* s : states) bound = bound || s->lora.adapter != nullptr;
  if (roles.empty() || bound || states.size() < 2 || layer >= m_model.layers().size()) {
    for (TokenState* s : states) run_unit(unit, layer, *s, &cache);
    return;
  }
  std::vector<const PreparedInput*> ins;
  for (TokenState* s : states) ins.push_back(&unit_input(*s, unit));
  std::vector<std::span<float>> ys(states.size());
  for (const Role role : roles) {  // in the order matvec_unit computes them
    for (size_t t = 0; t < states.size(); ++t) ys[t] = role_output(*states[t], role);
    matmat(model::base_weight(m_model.layers()[layer], role), ins, ys, layer_unit_name(unit));
  }
}

void LayerDatapath::run_batch(HeadUnit unit, std::span<TokenState* const> states) const {
  if (unit != HeadUnit::Output || states.size() < 2) {
    for (TokenState* s : states) run(unit, *s);
    return;
  }
  std::vector<const PreparedInput*> ins;
  std::vector<std::span<float>> ys;
  for (TokenState* s : states) {
    ins.push_back(&s->output_in);
    ys.emplace_back(s->logits);
  }
  matmat(m_model.output(), ins, ys, head_unit_name(unit));
}

// docs/formats.md §7 build_lora_mm: res = W x; t = A x; d = B t; res = res + fl(d * scale).
// A and B are MUL_MAT weights with n = 1 activation row; LoRA tensors never live in the
// CPU_REPACK buffer, so both use the vec_dot order whatever their type and row count.
void LayerDatapath::adapted_matvec(size_t layer, model::LoraRole role, const PreparedInput& in,
                                   std::span<float> y, TokenState& s, std::string_view unit) const {
  matvec(model::base_weight(m_model.layers()[layer], role), in, y, unit);
  if (s.lora.adapter == nullptr) return;
  const model::LoraWeight* w = s.lora.adapter->find(layer, role);
  if (w == nullptr) return;
  const numerics::Activation* x = conversion_for(in, w->a);
  if (x == nullptr) {
    throw std::logic_error(fmt::format(
        "{}: its input has no {} conversion for the LoRA A of {} (run its quantize unit first)",
        unit, gguf::traits(numerics::vec_dot_type(w->a.type)).name, lora_role_name(role)));
  }
  const std::span<float> t(s.lora_t.data(), static_cast<size_t>(w->rank()));
  const std::span<float> d(s.lora_d.data(), static_cast<size_t>(w->b.rows));
  numerics::matvec(numerics::WeightMatrix{w->a.type, w->a.rows, w->a.cols, w->a.data}, *x, t,
                   numerics::DotOrder::VecDot, m_profile, m_kernel);
  const numerics::Activation t_in(w->b.type, t);  // t converted per B's vec_dot_type
  numerics::matvec(numerics::WeightMatrix{w->b.type, w->b.rows, w->b.cols, w->b.data}, t_in, d,
                   numerics::DotOrder::VecDot, m_profile, m_kernel);
  const float scale = s.lora.adapter->scale(*w, s.lora.user_scale);
  for (size_t i = 0; i < y.size(); ++i) {
    const float scaled = d[i] * scale;  // ggml_scale (-ffp-contract=off: no fma)
    y[i] = y[i] + scaled;               // ggml_add
  }
}

void LayerDatapath::prepare_input(PreparedInput& in, std::span<const float> x, size_t layer,
                                  std::span<const model::LoraRole> roles,
                                  const TokenState& s) const {
  std::array<const model::TensorView*, 2 * model::kLoraRoleCount> weights{};
  size_t n = 0;
  const model::LayerWeights& lw = m_model.layers()[layer];
  for (const model::LoraRole role : roles) weights[n++] = &model::base_weight(lw, role);
  if (s.lora.adapter != nullptr) {
    for (const model::LoraRole role : roles) {
      if (const model::LoraWeight* w = s.lora.adapter->find(layer, role)) weights[n++] = &w->a;
    }
  }
  prepare_span(in, x, std::span<const model::TensorView* const>(weights.data(), n));
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
      prepare_input(s.attn_in, s.norm, layer, layer_unit_roles(LayerUnit::Qkv), s);
      return;
    case LayerUnit::Qkv:
      matvec_unit(unit, layer, s.attn_in, s);
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
      prepare_input(s.attn_out_in, s.attn, layer, layer_unit_roles(LayerUnit::AttnOutput), s);
      return;
    case LayerUnit::AttnOutput:
      matvec_unit(unit, layer, s.attn_out_in, s);
      return;
    case LayerUnit::AttnResidual:
      numerics::add(s.x, s.proj, s.x);  // h = x + attn
      return;
    case LayerUnit::FfnNorm:
      numerics::rms_norm(s.x, w.ffn_norm, eps, s.norm);
      return;
    case LayerUnit::FfnQuantize:
      prepare_input(s.ffn_in, s.norm, layer, layer_unit_roles(LayerUnit::GateUp), s);
      return;
    case LayerUnit::GateUp:
      matvec_unit(unit, layer, s.ffn_in, s);
      return;
    case LayerUnit::SiluMul:
      numerics::swiglu(m_profile, s.gate, s.up, s.gate);
      return;
    case LayerUnit::DownQuantize:
      prepare_input(s.down_in, s.gate, layer, layer_unit_roles(LayerUnit::Down), s);
      return;
    case LayerUnit::Down:
      matvec_unit(unit, layer, s.down_in, s);
      return;
    case LayerUnit::FfnResidual:
      numerics::add(s.x, s.proj, s.x);  // out = h + ffn
      return;
  }
  throw std::invalid_argument("LayerDatapath::run: unknown layer unit");
}

void LayerDatapath::matvec_unit(LayerUnit unit, size_t layer, const PreparedInput& in,
                                TokenState& s) const {
  for (const Role role : layer_unit_roles(unit)) {
    adapted_matvec(layer, role, in, role_output(s, role), s, layer_unit_name(unit));
  }
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
      matvec(m_model.output(), s.output_in, s.logits, head_unit_name(unit));
      return;
    case HeadUnit::Argmax:
      return;
  }
  throw std::invalid_argument("LayerDatapath::run: unknown head unit");
}

}  // namespace etchsim::golden
