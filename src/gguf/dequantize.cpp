#include "etchsim/gguf/dequantize.hpp"

#include <cstring>
#include <stdexcept>
#include <string>

#include "dequantize_rows.hpp"
#include "fp16_inline.hpp"

namespace etchsim::gguf {
namespace {

using Kernel = void (*)(const std::byte*, float*, size_t);

void dequantize_f32(const std::byte* src, float* dst, size_t n) {
  std::memcpy(dst, src, n * sizeof(float));
}

void dequantize_f16(const std::byte* src, float* dst, size_t n) {
  for (size_t i = 0; i < n; ++i)
    dst[i] = detail::fp16_to_fp32_inline(detail::load_block<uint16_t>(src + 2 * i));
}

void dequantize_bf16(const std::byte* src, float* dst, size_t n) {
  for (size_t i = 0; i < n; ++i)
    dst[i] = detail::bf16_to_fp32_inline(detail::load_block<uint16_t>(src + 2 * i));
}

Kernel kernel_for(GgmlType type) {
  switch (type) {
    case GgmlType::F32:
      return dequantize_f32;
    case GgmlType::F16:
      return dequantize_f16;
    case GgmlType::BF16:
      return dequantize_bf16;
    case GgmlType::Q4_0:
      return detail::dequantize_q4_0;
    case GgmlType::Q4_1:
      return detail::dequantize_q4_1;
    case GgmlType::Q5_0:
      return detail::dequantize_q5_0;
    case GgmlType::Q5_1:
      return detail::dequantize_q5_1;
    case GgmlType::Q8_0:
      return detail::dequantize_q8_0;
    case GgmlType::Q2_K:
      return detail::dequantize_q2_k;
    case GgmlType::Q3_K:
      return detail::dequantize_q3_k;
    case GgmlType::Q4_K:
      return detail::dequantize_q4_k;
    case GgmlType::Q5_K:
      return detail::dequantize_q5_k;
    case GgmlType::Q6_K:
      return detail::dequantize_q6_k;
    default:
      return nullptr;
  }
}

}  // namespace

void dequantize(GgmlType type, std::span<const std::byte> src, std::span<float> dst) {
  const TypeTraits& t = traits(type);
  const Kernel kernel = kernel_for(type);
  if (!t.etchsim_dequantizes || kernel == nullptr) {
    throw std::invalid_argument("etchsim cannot dequantize " + std::string(t.name));
  }
  const uint64_t bytes = row_bytes(type, static_cast<int64_t>(dst.size()));
  if (src.size() != bytes) {
    throw std::invalid_argument(std::to_string(dst.size()) + " " + std::string(t.name) +
                                " elements need " + std::to_string(bytes) + " bytes, got " +
                                std::to_string(src.size()));
  }
  kernel(src.data(), dst.data(), dst.size() / static_cast<size_t>(t.block_elems));
}

}  // namespace etchsim::gguf
