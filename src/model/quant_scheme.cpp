// The --quant scheme names of `etchsim synth` (synth.hpp).
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

std::vector<std::string> quant_scheme_names() {
  std::vector<std::string> names;
  for (const auto& entry : kNames) names.emplace_back(entry.second);
  return names;
}

}  // namespace etchsim::model
