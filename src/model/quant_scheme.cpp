// The weight schemes of `etchsim synth` and `etchsim quantize` (synth.hpp): names, types, ftype.
#include <array>
#include <utility>

#include "etchsim/gguf/ascii_case.hpp"
#include "etchsim/model/synth.hpp"

namespace etchsim::model {
namespace {

constexpr std::array<std::pair<QuantScheme, std::string_view>, 8> kNames{{
    {QuantScheme::F32, "f32"},
    {QuantScheme::F16, "f16"},
    {QuantScheme::Q8_0, "q8_0"},
    {QuantScheme::Q4_0, "q4_0"},
    {QuantScheme::Q4_K, "q4_k"},
    {QuantScheme::Q3_K, "q3_k"},
    {QuantScheme::Q6_K, "q6_k"},
    {QuantScheme::Mix36, "mix36"},
}};

}  // namespace

std::optional<QuantScheme> quant_scheme_from_name(std::string_view name) {
  for (const auto& [scheme, scheme_name] : kNames) {
    if (gguf::equals_ignoring_ascii_case(name, scheme_name)) return scheme;
  }
  return std::nullopt;
}

std::string_view quant_scheme_name(QuantScheme scheme) {
  for (const auto& [known, name] : kNames) {
    if (known == scheme) return name;
  }
  return "unknown";
}

// The scheme's type for a matrix; `wide` marks attn_v, ffn_down and output, which mix36 keeps
// at 6 bits as llama.cpp's Q3_K_M-style mixes raise them.
gguf::GgmlType scheme_weight_type(QuantScheme scheme, bool wide) {
  switch (scheme) {
    case QuantScheme::F32:
      return gguf::GgmlType::F32;
    case QuantScheme::F16:
      return gguf::GgmlType::F16;
    case QuantScheme::Q8_0:
      return gguf::GgmlType::Q8_0;
    case QuantScheme::Q4_0:
      return gguf::GgmlType::Q4_0;
    case QuantScheme::Q4_K:
      return gguf::GgmlType::Q4_K;
    case QuantScheme::Q3_K:
      return gguf::GgmlType::Q3_K;
    case QuantScheme::Q6_K:
      return gguf::GgmlType::Q6_K;
    case QuantScheme::Mix36:
      return wide ? gguf::GgmlType::Q6_K : gguf::GgmlType::Q3_K;
  }
  return gguf::GgmlType::F32;
}

// llama_ftype (llama.h) recorded as general.file_type; informational only (llama.cpp reads the
// tensor types). q4_k and q3_k use the _M ids of the nearest llama.cpp presets. mix36 is closest
// to MOSTLY_Q3_K_M, which is Q3_K with attn_v and ffn_down raised (to Q4_K/Q5_K) and output at
// Q6_K; mix36 raises the same three, all to Q6_K.
uint32_t llama_file_type(QuantScheme scheme) {
  switch (scheme) {
    case QuantScheme::F32:
      return 0;  // ALL_F32
    case QuantScheme::F16:
      return 1;  // MOSTLY_F16
    case QuantScheme::Q4_0:
      return 2;  // MOSTLY_Q4_0
    case QuantScheme::Q8_0:
      return 7;  // MOSTLY_Q8_0
    case QuantScheme::Q3_K:
      return 12;  // MOSTLY_Q3_K_M
    case QuantScheme::Mix36:
      return 12;
    case QuantScheme::Q4_K:
      return 15;  // MOSTLY_Q4_K_M
    case QuantScheme::Q6_K:
      return 18;  // MOSTLY_Q6_K
  }
  return 0;
}

std::vector<std::string> quant_scheme_names() {
  std::vector<std::string> names;
  for (const auto& entry : kNames) names.emplace_back(entry.second);
  return names;
}

}  // namespace etchsim::model
