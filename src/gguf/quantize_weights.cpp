// Weight quantisation entry point and the simple formats: F32, F16, BF16 and ggml's reference
// quantisers for Q8_0, Q4_0 and Q5_0, bit-exact with quantize_row_q8_0_ref /
// quantize_row_q4_0_ref / quantize_row_q5_0_ref.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "etchsim/gguf/fp16.hpp"
#include "etchsim/gguf/quantize.hpp"
#include "quantize_rows.hpp"

namespace etchsim::gguf {
namespace {

using Kernel = void (*)(const float*, std::byte*, size_t);

template <class Block>
void store_block(const Block& b, std::byte* dst) {
  std::memcpy(dst, &b, sizeof b);
}

void quantize_f32(const float* src, std::byte* dst, size_t n) {
  std::memcpy(dst, src, n * sizeof(float));
}

void quantize_f16(const float* src, std::byte* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) store_block(fp32_to_fp16(src[i]), dst + 2 * i);
}

void quantize_bf16(const float* src, std::byte* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) store_block(fp32_to_bf16(src[i]), dst + 2 * i);
}

// quantize_row_q8_0_ref: the same arithmetic as the scalar activation reference.
void quantize_q8_0(const float* src, std::byte* dst, size_t nblocks) {
  for (size_t i = 0; i < nblocks; ++i, src += kQK, dst += sizeof(BlockQ8_0)) {
    BlockQ8_0 b{};
    quantize_activation_q8_0_ref(std::span(src, kQK), std::span(&b, 1));
    store_block(b, dst);
  }
}

// m = the signed value of largest magnitude (first one wins), d = m/-8, id = 1/d,
// q = min(15, int8(x*id + 8.5)) truncating toward zero.
void quantize_q4_0(const float* src, std::byte* dst, size_t nblocks) {
  for (size_t i = 0; i < nblocks; ++i, src += kQK, dst += sizeof(BlockQ4_0)) {
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < kQK; ++j) {
      if (std::fabs(src[j]) > amax) {
        amax = std::fabs(src[j]);
        max = src[j];
      }
    }
    const float d = max / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    BlockQ4_0 b{};
    b.d = fp32_to_fp16(d);
    for (int j = 0; j < kQK / 2; ++j) {
      const int q0 = std::min(15, static_cast<int>(static_cast<int8_t>(src[j] * id + 8.5f)));
      const int q1 =
          std::min(15, static_cast<int>(static_cast<int8_t>(src[j + kQK / 2] * id + 8.5f)));
      b.qs[j] = static_cast<uint8_t>(q0 | q1 << 4);
    }
    store_block(b, dst);
  }
}

// As Q4_0 with 5-bit codes: d = m/-16, q = min(31, int8(x*id + 16.5)); the low nibbles as in
// Q4_0, bit 4 of element j in bit j of qh.
void quantize_q5_0(const float* src, std::byte* dst, size_t nblocks) {
  for (size_t i = 0; i < nblocks; ++i, src += kQK, dst += sizeof(BlockQ5_0)) {
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < kQK; ++j) {
      if (std::fabs(src[j]) > amax) {
        amax = std::fabs(src[j]);
        max = src[j];
      }
    }
    const float d = max / -16.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    BlockQ5_0 b{};
    b.d = fp32_to_fp16(d);
    uint32_t qh = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      const auto q0 = static_cast<uint32_t>(
          std::min(31, static_cast<int>(static_cast<int8_t>(src[j] * id + 16.5f))));
      const auto q1 = static_cast<uint32_t>(
          std::min(31, static_cast<int>(static_cast<int8_t>(src[j + kQK / 2] * id + 16.5f))));
      b.qs[j] = static_cast<uint8_t>((q0 & 15u) | (q1 & 15u) << 4);
      qh |= (q0 >> 4) << j;
      qh |= (q1 >> 4) << (j + kQK / 2);
    }
    std::memcpy(b.qh, &qh, sizeof qh);
    store_block(b, dst);
  }
}

Kernel kernel_for(GgmlType type) {
  switch (type) {
    case GgmlType::F32:
      return quantize_f32;
    case GgmlType::F16:
      return quantize_f16;
    case GgmlType::BF16:
      return quantize_bf16;
    case GgmlType::Q8_0:
      return quantize_q8_0;
    case GgmlType::Q4_0:
      return quantize_q4_0;
    case GgmlType::Q5_0:
      return quantize_q5_0;
    case GgmlType::Q3_K:
      return detail::quantize_q3_k;
    case GgmlType::Q4_K:
      return detail::quantize_q4_k;
    case GgmlType::Q6_K:
      return detail::quantize_q6_k;
    default:
      return nullptr;
  }
}

}  // namespace

bool can_quantize(GgmlType type) { return kernel_for(type) != nullptr; }

void quantize(GgmlType type, std::span<const float> src, std::span<std::byte> dst) {
  const TypeTraits& t = traits(type);
  const Kernel kernel = kernel_for(type);
  if (kernel == nullptr)
    throw std::invalid_argument("etchsim cannot quantize to " + std::string(t.name));
  const uint64_t bytes = row_bytes(type, static_cast<int64_t>(src.size()));
  if (dst.size() != bytes) {
    throw std::invalid_argument(std::to_string(src.size()) + " " + std::string(t.name) +
                                " elements need " + std::to_string(bytes) + " bytes, got " +
                                std::to_string(dst.size()));
  }
  const bool quantized = t.block_elems > 1;
  if (quantized && !std::all_of(src.begin(), src.end(), [](float x) { return std::isfinite(x); })) {
    throw std::invalid_argument("cannot quantize non-finite values to " + std::string(t.name));
  }
  kernel(src.data(), dst.data(), src.size() / static_cast<size_t>(t.block_elems));
}

}  // namespace etchsim::gguf
