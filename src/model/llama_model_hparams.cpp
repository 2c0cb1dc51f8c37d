// The `llama.*` hyper-parameters as llama.cpp's loader reads them (docs/formats.md §5.1:
// llama-model.cpp load_hparams, models/llama.cpp load_arch_hparams).
#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "etchsim/model/llama_model.hpp"

namespace etchsim::model {
namespace {

class KeyReader {
 public:
  explicit KeyReader(const gguf::GgufFile& file) : m_file(file) {}

  [[noreturn]] void fail(std::string_view key, const std::string& what) const {
    throw std::invalid_argument(fmt::format("{}: key '{}' {}", m_file.name(), key, what));
  }

  // A non-negative integer of any GGUF integer type, or nullopt when absent.
  std::optional<uint64_t> optional_uint(std::string_view key) const {
    const gguf::Value* value = m_file.find(key);
    if (value == nullptr) return std::nullopt;
    return to_uint(key, *value);
  }

  uint64_t required_uint(std::string_view key) const {
    const auto v = optional_uint(key);
    if (!v) fail(key, "is missing (required for a llama model)");
    return *v;
  }

  // llama.cpp accepts a u32 or a u32 array with one entry per layer (§5.1); etchsim's pipeline
  // needs one value for every layer.
  std::optional<uint64_t> optional_uniform_uint(std::string_view key, uint64_t n_layer) const {
    const gguf::Value* value = m_file.find(key);
    if (value == nullptr) return std::nullopt;
    const auto* array = std::get_if<gguf::Array>(&value->data);
    if (array == nullptr) return to_uint(key, *value);
    if (array->elems.size() != n_layer) {
      fail(key, fmt::format("has {} entries, expected one per layer ({})", array->elems.size(),
                            n_layer));
    }
    const uint64_t first = to_uint(key, array->elems.at(0));
    for (const gguf::Value& elem : array->elems) {
      if (to_uint(key, elem) != first) fail(key, "differs between layers (not supported)");
    }
    return first;
  }

  std::optional<float> optional_f32(std::string_view key) const {
    const gguf::Value* value = m_file.find(key);
    if (value == nullptr) return std::nullopt;
    if (value->type() != gguf::ValueType::FLOAT32) {
      fail(key, fmt::format("has type {}, expected FLOAT32", gguf::value_type_name(value->type())));
    }
    return std::get<float>(value->data);
  }

  float required_f32(std::string_view key) const {
    const auto v = optional_f32(key);
    if (!v) fail(key, "is missing (required for a llama model)");
    return *v;
  }

  std::optional<std::string> optional_string(std::string_view key) const {
    const gguf::Value* value = m_file.find(key);
    if (value == nullptr) return std::nullopt;
    if (value->type() != gguf::ValueType::STRING) {
      fail(key, fmt::format("has type {}, expected STRING", gguf::value_type_name(value->type())));
    }
    return std::get<std::string>(value->data);
  }

  bool has(std::string_view key) const { return m_file.has(key); }

 private:
  uint64_t to_uint(std::string_view key, const gguf::Value& value) const {
    return std::visit(
        [&](const auto& v) -> uint64_t {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
            if constexpr (std::is_signed_v<T>) {
              if (v < 0) fail(key, fmt::format("is negative ({})", v));
            }
            return static_cast<uint64_t>(v);
          } else {
            fail(key, fmt::format("has type {}, expected an unsigned integer",
                                  gguf::value_type_name(value.type())));
          }
        },
        value.data);
  }

  const gguf::GgufFile& m_file;
};

uint32_t narrow(const KeyReader& keys, std::string_view key, uint64_t v) {
  if (v == 0 || v > UINT32_MAX) keys.fail(key, fmt::format("has the unsupported value {}", v));
  return static_cast<uint32_t>(v);
}

}  // namespace

LlamaHparams hparams_from_gguf(const gguf::GgufFile& file) {
  const KeyReader keys(file);
  const auto arch = keys.optional_string("general.architecture");
  if (arch != "llama") {
    keys.fail("general.architecture",
              arch ? fmt::format("is '{}', expected 'llama'", *arch) : std::string("is missing"));
  }

  LlamaHparams hp;
  LlamaShape& s = hp.shape;
  s.name = file.name();
  auto count = [&](std::string_view key) { return narrow(keys, key, keys.required_uint(key)); };
  s.n_ctx = count("llama.context_length");
  s.n_embd = count("llama.embedding_length");
  s.n_layer = count("llama.block_count");
  s.rms_eps = keys.required_f32("llama.attention.layer_norm_rms_epsilon");
  if (!std::isfinite(s.rms_eps) || s.rms_eps <= 0.0f) {
    keys.fail("llama.attention.layer_norm_rms_epsilon",
              fmt::format("is {}, expected a finite number > 0", s.rms_eps));
  }

  auto per_layer = [&](std::string_view key) -> uint32_t {
    const auto v = keys.optional_uniform_uint(key, s.n_layer);
    if (!v) keys.fail(key, "is missing (a llama model needs it)");
    return narrow(keys, key, *v);
  };
  s.n_ff = per_layer("llama.feed_forward_length");
  s.n_head = per_layer("llama.attention.head_count");
  const auto n_head_kv = keys.optional_uniform_uint("llama.attention.head_count_kv", s.n_layer);
  s.n_head_kv = n_head_kv ? narrow(keys, "llama.attention.head_count_kv", *n_head_kv) : s.n_head;
  if (s.n_head % s.n_head_kv != 0) {  // grouped-query attention: whole groups of heads
    keys.fail("llama.attention.head_count_kv",
              fmt::format("({}) does not divide head_count ({})", s.n_head_kv, s.n_head));
  }
  if (s.n_embd % s.n_head != 0) {
    keys.fail("llama.attention.head_count",
              fmt::format("({}) does not divide embedding_length ({})", s.n_head, s.n_embd));
  }
  // key_length / value_length default to n_embd / n_head; other values are not supported.
  for (const std::string_view key :
       {"llama.attention.key_length", "llama.attention.value_length"}) {
    const auto v = keys.optional_uint(key);
    if (v && *v != s.head_dim()) {
      keys.fail(key, fmt::format("is {}, only the head dim {} is supported", *v, s.head_dim()));
    }
  }

  s.rope_freq_base = keys.optional_f32("llama.rope.freq_base").value_or(10000.0f);
  if (!std::isfinite(s.rope_freq_base) || s.rope_freq_base <= 0.0f) {
    keys.fail("llama.rope.freq_base",
              fmt::format("is {}, expected a finite number > 0", s.rope_freq_base));
  }
  const auto n_rot = keys.optional_uint("llama.rope.dimension_count");
  hp.n_rot = n_rot ? static_cast<uint32_t>(*n_rot) : s.head_dim();
  if (hp.n_rot != s.head_dim()) {  // llama.cpp: "invalid n_rot"
    keys.fail("llama.rope.dimension_count",
              fmt::format("is {}, a llama model needs the head dim {}", hp.n_rot, s.head_dim()));
  }
  const auto scaling = keys.optional_string("llama.rope.scaling.type").value_or("linear");
  if (scaling != "linear" && scaling != "none") {
    keys.fail("llama.rope.scaling.type", fmt::format("is '{}', only linear is supported", scaling));
  }
  auto factor = keys.optional_f32("llama.rope.scaling.factor");
  if (!factor) factor = keys.optional_f32("llama.rope.scale_linear");
  if (factor && (!std::isfinite(*factor) || *factor < 0.0f)) {
    keys.fail(keys.has("llama.rope.scaling.factor") ? "llama.rope.scaling.factor"
                                                    : "llama.rope.scale_linear",
              fmt::format("is {}, expected a finite number >= 0", *factor));
  }
  hp.rope_freq_scale = (factor && *factor != 0.0f) ? 1.0f / *factor : 1.0f;

  const gguf::TensorInfo* embd = file.find_tensor("token_embd.weight");
  if (embd == nullptr) {
    throw std::invalid_argument(
        fmt::format("{}: tensor 'token_embd.weight' is missing", file.name()));
  }
  if (embd->n_dims != 2 || embd->ne[1] < 1 || embd->ne[1] > INT32_MAX) {
    throw std::invalid_argument(
        fmt::format("{}: tensor 'token_embd.weight' has {} dimensions and {} rows; expected 2 "
                    "dimensions and 1 to 2^31 - 1 rows (the vocabulary)",
                    file.name(), embd->n_dims, embd->ne[1]));
  }
  s.n_vocab = static_cast<uint32_t>(embd->ne[1]);
  s.rope_freqs = file.find_tensor("rope_freqs.weight") != nullptr;
  return hp;
}

}  // namespace etchsim::model
