// LoRA adapter GGUF reading and checking (lora_adapter.hpp; docs/formats.md §7, llama.cpp's
// llama_adapter_lora_init_impl).
#include "etchsim/model/lora_adapter.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <stdexcept>

namespace etchsim::model {
namespace {

constexpr std::array<std::string_view, kLoraRoleCount> kRoleNames{
    "attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"};

// The base model's architecture: LlamaModel accepts only "llama".
constexpr std::string_view kBaseArchitecture = "llama";

[[noreturn]] void fail(const gguf::GgufFile& file, const std::string& what) {
  throw std::invalid_argument(fmt::format("{}: {}", file.name(), what));
}

// A required string key with the given value.
void require_string(const gguf::GgufFile& file, std::string_view key, std::string_view want,
                    std::string_view why) {
  const gguf::Value* v = file.find(key);
  if (v == nullptr) fail(file, fmt::format("key '{}' is missing ({})", key, why));
  const auto* s = std::get_if<std::string>(&v->data);
  if (s == nullptr) {
    fail(file, fmt::format("key '{}' has type {}, expected string ({})", key,
                           gguf::value_type_name(v->type()), why));
  }
  if (*s != want)
    fail(file, fmt::format("key '{}' is '{}', expected '{}' ({})", key, *s, want, why));
}

// "blk.N.<role>.weight" -> (N, role), or nullopt.
std::optional<std::pair<size_t, LoraRole>> parse_layer_tensor(std::string_view name) {
  constexpr std::string_view kPrefix = "blk.", kSuffix = ".weight";
  if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) return std::nullopt;
  name.remove_prefix(kPrefix.size());
  name.remove_suffix(kSuffix.size());
  const size_t dot = name.find('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  size_t layer = 0;
  const auto [end, ec] = std::from_chars(name.data(), name.data() + dot, layer);
  if (ec != std::errc{} || end != name.data() + dot) return std::nullopt;
  const std::optional<LoraRole> role = lora_role_from_name(name.substr(dot + 1));
  if (!role) return std::nullopt;
  return std::pair{layer, *role};
}

bool supported_lora_type(gguf::GgmlType t) {
  using gguf::GgmlType;
  return t == GgmlType::F32 || t == GgmlType::F16 || t == GgmlType::BF16 || t == GgmlType::Q8_0 ||
         t == GgmlType::Q4_0 || t == GgmlType::Q4_1 || t == GgmlType::Q5_0 || t == GgmlType::Q5_1;
}

std::string shape_text(const gguf::TensorInfo& info) {
  std::string text = "[";
  for (uint32_t d = 0; d < info.n_dims; ++d) text += (d ? ", " : "") + std::to_string(info.ne[d]);
  return text + "]";
}

}  // namespace

std::string_view lora_role_name(LoraRole role) { return kRoleNames.at(static_cast<size_t>(role)); }

std::optional<LoraRole> lora_role_from_name(std::string_view name) {
  for (size_t i = 0; i < kRoleNames.size(); ++i) {
    if (kRoleNames[i] == name) return static_cast<LoraRole>(i);
  }
  return std::nullopt;
}

const TensorView& base_weight(const LayerWeights& layer, LoraRole role) {
  switch (role) {
    case LoraRole::AttnQ:
      return layer.attn_q;
    case LoraRole::AttnK:
      return layer.attn_k;
    case LoraRole::AttnV:
      return layer.attn_v;
    case LoraRole::AttnOutput:
      return layer.attn_output;
    case LoraRole::FfnGate:
      return layer.ffn_gate;
    case LoraRole::FfnUp:
      return layer.ffn_up;
    case LoraRole::FfnDown:
      return layer.ffn_down;
  }
  throw std::invalid_argument("base_weight: unknown LoRA role");
}

BaseMatrix base_matrix(const LlamaShape& shape, LoraRole role) {
  const int64_t embd = shape.n_embd;
  const int64_t q = int64_t{shape.n_head} * shape.head_dim();
  const int64_t kv = shape.n_embd_kv();
  const int64_t ff = shape.n_ff;
  switch (role) {
    case LoraRole::AttnQ:
      return {q, embd};
    case LoraRole::AttnK:
    case LoraRole::AttnV:
      return {kv, embd};
    case LoraRole::AttnOutput:
      return {embd, q};
    case LoraRole::FfnGate:
    case LoraRole::FfnUp:
      return {ff, embd};
    case LoraRole::FfnDown:
      return {embd, ff};
  }
  throw std::invalid_argument("base_matrix: unknown LoRA role");
}

float lora_scale(float user_scale, float alpha, int64_t rank) {
  // llama_adapter_lora_weight::get_scale: const float rank = (float) b->ne[0];
  // alpha ? adapter_scale * alpha / rank : adapter_scale.
  const auto r = static_cast<float>(rank);
  if (alpha == 0.0f) return user_scale;
  const float scaled = user_scale * alpha;
  return scaled / r;
}

LoraAdapter::LoraAdapter(const gguf::GgufFile& adapter, const LlamaModel& base)
    : LoraAdapter(adapter, base.shape()) {}

LoraAdapter::LoraAdapter(const gguf::GgufFile& adapter, const LlamaShape& base)
    : m_name(adapter.name()), m_layers(base.n_layer) {
  require_string(adapter, "general.type", "adapter", "a LoRA adapter file");
  require_string(adapter, "general.architecture", kBaseArchitecture,
                 "the base model's architecture");
  require_string(adapter, "adapter.type", "lora", "only LoRA adapters are supported");
  if (const gguf::Value* alpha = adapter.find("adapter.lora.alpha")) {
    const auto* f = std::get_if<float>(&alpha->data);
    if (f == nullptr) {
      fail(adapter, fmt::format("key 'adapter.lora.alpha' has type {}, expected f32 (llama.cpp "
                                "reads it with gguf_get_val_f32)",
                                gguf::value_type_name(alpha->type())));
    }
    m_alpha = *f;
  }

  // Pair the tensors by base name, in file order of first appearance.
  struct Pair {
    const gguf::TensorInfo* a = nullptr;
    const gguf::TensorInfo* b = nullptr;
  };
  std::map<std::string, Pair> pairs;
  std::vector<std::string> order;
  for (const gguf::TensorInfo& info : adapter.tensors()) {
    const std::string_view name = info.name;
    const bool is_a = name.ends_with(".lora_a"), is_b = name.ends_with(".lora_b");
    if (!is_a && !is_b) {
      if (name.ends_with("_norm.weight")) continue;  // llama.cpp ignores norm vectors
      fail(adapter, fmt::format("tensor '{}' has an unexpected suffix (expected .lora_a or "
                                ".lora_b, or a *_norm.weight vector)",
                                name));
    }
    std::string key(name.substr(0, name.size() - 7));
    auto [it, inserted] = pairs.try_emplace(key);
    if (inserted) order.push_back(key);
    (is_a ? it->second.a : it->second.b) = &info;
  }

  for (const std::string& base_name : order) {
    const Pair& p = pairs.at(base_name);
    if (p.a == nullptr || p.b == nullptr) {
      fail(adapter, fmt::format("tensor '{}.{}' has no partner '{}.{}'", base_name,
                                p.a ? "lora_a" : "lora_b", base_name, p.a ? "lora_b" : "lora_a"));
    }
    if (base_name == "token_embd.weight" || base_name == "output.weight") {
      fail(adapter, fmt::format("tensors '{}.lora_a/b': a LoRA adapter on {} is not supported "
                                "(only the per-layer attn_q, attn_k, attn_v, attn_output, "
                                "ffn_gate, ffn_up and ffn_down matrices)",
                                base_name, base_name));
    }
    const auto target = parse_layer_tensor(base_name);
    if (!target || target->first >= base.n_layer) {
      fail(adapter, fmt::format("tensors '{}.lora_a/b' adapt '{}', which the base model ({} "
                                "layers) does not have or an adapter cannot target",
                                base_name, base_name, base.n_layer));
    }
    const BaseMatrix w = base_matrix(base, target->second);
    const gguf::TensorInfo& a = *p.a;
    const gguf::TensorInfo& b = *p.b;
    for (const gguf::TensorInfo* t : {p.a, p.b}) {
      if (t->n_dims != 2) {
        fail(adapter, fmt::format("tensor '{}' has shape {}, expected 2 dimensions", t->name,
                                  shape_text(*t)));
      }
      if (!supported_lora_type(t->type)) {
        fail(adapter, fmt::format("tensor '{}' has type {}, which etchsim does not support for "
                                  "LoRA (f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1)",
                                  t->name, gguf::traits(t->type).name));
      }
    }
    // llama.cpp: model_tensor->ne[0] != a->ne[0] || model_tensor->ne[1] != b->ne[1], then
    // a->ne[1] != b->ne[0].
    if (a.ne[0] != w.cols || b.ne[1] != w.rows) {
      fail(adapter, fmt::format("tensors '{}' {} and '{}' {} do not fit the base '{}' [{}, {}] "
                                "(need lora_a [{}, r] and lora_b [r, {}])",
                                a.name, shape_text(a), b.name, shape_text(b), base_name, w.cols,
                                w.rows, w.cols, w.rows));
    }
    if (a.ne[1] != b.ne[0] || b.ne[0] <= 0) {
      fail(adapter, fmt::format("tensors '{}' {} and '{}' {} disagree on the rank (lora_a ne[1] "
                                "must equal lora_b ne[0])",
                                a.name, shape_text(a), b.name, shape_text(b)));
    }
    std::optional<LoraWeight>& slot = m_layers[target->first][static_cast<size_t>(target->second)];
    slot = LoraWeight{.a = TensorView{a.type, a.ne[1], a.ne[0], adapter.tensor_data(a)},
                      .b = TensorView{b.type, b.ne[1], b.ne[0], adapter.tensor_data(b)}};
    m_rank = std::max(m_rank, slot->rank());
    m_tensor_bytes += slot->a.data.size() + slot->b.data.size();
    ++m_count;
  }
}

const LoraWeight* LoraAdapter::find(size_t layer, LoraRole role) const {
  if (layer >= m_layers.size()) return nullptr;
  const std::optional<LoraWeight>& slot = m_layers[layer][static_cast<size_t>(role)];
  return slot ? &*slot : nullptr;
}

}  // namespace etchsim::model
