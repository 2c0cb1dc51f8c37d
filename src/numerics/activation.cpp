// Activation preparation per weight type (docs/formats.md §4.1, §4.3).
#include "etchsim/numerics/activation.hpp"

#include <stdexcept>
#include <string>

#include "etchsim/gguf/fp16.hpp"
#include "etchsim/gguf/quantize.hpp"

namespace etchsim::numerics {

using gguf::GgmlType;

bool is_supported_weight_type(GgmlType weight_type) {
  switch (weight_type) {
    case GgmlType::F32:
    case GgmlType::F16:
    case GgmlType::BF16:
    case GgmlType::Q4_0:
    case GgmlType::Q4_1:
    case GgmlType::Q5_0:
    case GgmlType::Q5_1:
    case GgmlType::Q8_0:
    case GgmlType::Q2_K:
    case GgmlType::Q3_K:
    case GgmlType::Q4_K:
    case GgmlType::Q5_K:
    case GgmlType::Q6_K:
      return true;
    default:
      return false;
  }
}

GgmlType vec_dot_type(GgmlType weight_type) {
  switch (weight_type) {
    case GgmlType::F32:
    case GgmlType::F16:
    case GgmlType::BF16:
      return weight_type;
    case GgmlType::Q4_0:
    case GgmlType::Q5_0:
    case GgmlType::Q8_0:
      return GgmlType::Q8_0;
    case GgmlType::Q4_1:
    case GgmlType::Q5_1:
      return GgmlType::Q8_1;
    case GgmlType::Q2_K:
    case GgmlType::Q3_K:
    case GgmlType::Q4_K:
    case GgmlType::Q5_K:
    case GgmlType::Q6_K:
      return GgmlType::Q8_K;
    default:
      throw std::invalid_argument("numerics: unsupported weight type " +
                                  std::string(gguf::traits(weight_type).name));
  }
}

Activation::Activation(GgmlType weight_type, std::span<const float> x)
    : m_type(vec_dot_type(weight_type)), m_size(static_cast<int64_t>(x.size())) {
  const auto block = static_cast<size_t>(gguf::traits(weight_type).block_elems);
  if (x.size() % block != 0) {
    throw std::invalid_argument("Activation: " + std::to_string(x.size()) +
                                " values are not a whole number of " +
                                std::string(gguf::traits(weight_type).name) + " blocks");
  }
  switch (m_type) {
    case GgmlType::F32:
      m_f32.assign(x.begin(), x.end());
      break;
    case GgmlType::F16:
      m_half.resize(x.size());
      for (size_t i = 0; i < x.size(); ++i) m_half[i] = gguf::fp32_to_fp16(x[i]);
      break;
    case GgmlType::BF16:
      m_half.resize(x.size());
      for (size_t i = 0; i < x.size(); ++i) m_half[i] = gguf::fp32_to_bf16(x[i]);
      break;
    case GgmlType::Q8_0:
      m_q8_0.resize(x.size() / gguf::kQK);
      gguf::quantize_activation_q8_0(x, m_q8_0);
      break;
    case GgmlType::Q8_1:
      m_q8_1.resize(x.size() / gguf::kQK);
      gguf::quantize_activation_q8_1(x, m_q8_1);
      break;
    default:  // Q8_K
      m_q8_k.resize(x.size() / gguf::kQKK);
      gguf::quantize_activation_q8_k(x, m_q8_k);
      break;
  }
}

}  // namespace etchsim::numerics
