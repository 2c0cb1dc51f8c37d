// 32-element block formats, docs/formats.md §3.1. Every product and sum is rounded
// separately in ggml's C order (this file must not be FMA-contracted;
// CMakeLists.txt sets -ffp-contract=off).
#include <cstdint>

#include "dequantize_rows.hpp"
#include "etchsim/gguf/blocks.hpp"
#include "etchsim/gguf/fp16.hpp"

namespace etchsim::gguf::detail {
namespace {

constexpr int kHalf = kQK / 2;

// The 4 qh bytes as a little-endian u32: bit e is the fifth bit of element e.
uint32_t load_qh(const uint8_t (&qh)[4]) {
  return static_cast<uint32_t>(qh[0]) | static_cast<uint32_t>(qh[1]) << 8 |
         static_cast<uint32_t>(qh[2]) << 16 | static_cast<uint32_t>(qh[3]) << 24;
}

// Element j is the low nibble of qs[j], element j+16 its high nibble (§3.1, pitfall §8.4).
int low_nibble(uint8_t b) { return b & 0xF; }
int high_nibble(uint8_t b) { return b >> 4; }

}  // namespace

void dequantize_q4_0(const std::byte* src, float* dst, size_t nblocks) {
  for (size_t i = 0; i < nblocks; ++i, src += sizeof(BlockQ4_0), dst += kQK) {
    const auto b = load_block<BlockQ4_0>(src);
    const float d = fp16_to_fp32(b.d);
    for (int j = 0; j < kHalf; ++j) {
      dst[j] = static_cast<float>(low_nibble(b.qs[j]) - 8) * d;
      dst[j + kHalf] = static_cast<float>(high_nibble(b.qs[j]) - 8) * d;
    }
  }
}

void dequantize_q4_1(const std::byte* src, float* dst, size_t nblocks) {
  for (size_t i = 0; i < nblocks; ++i, src += sizeof(BlockQ4_1), dst += kQK) {
    const auto b = load_block<BlockQ4_1>(src);
    const float d = fp16_to_fp32(b.d);
    const float m = fp16_to_fp32(b.m);
    for (int j = 0; j < kHalf; ++j) {
      dst[j] = static_cast<float>(low_nibble(b.qs[j])) * d + m;
      dst[j + kHalf] = static_cast<float>(high_nibble(b.qs[j])) * d + m;
    }
  }
}

void dequantize_q5_0(const std::byte* src, float* dst, size_t nblocks) {
  for (size_t i = 0; i < nblocks; ++i, src += sizeof(BlockQ5_0), dst += kQK) {
    const auto b = load_block<BlockQ5_0>(src);
    const float d = fp16_to_fp32(b.d);
    const uint32_t qh = load_qh(b.qh);
    for (int j = 0; j < kHalf; ++j) {
      const int h0 = static_cast<int>((qh >> j) & 1u) << 4;
      const int h1 = static_cast<int>((qh >> (j + kHalf)) & 1u) << 4;
      dst[j] = static_cast<float>((low_nibble(b.qs[j]) | h0) - 16) * d;
      dst[j + kHalf] = static_cast<float>((high_nibble(b.qs[j]) | h1) - 16) * d;
    }
  }
}

void dequantize_q5_1(const std::byte* src, float* dst, size_t nblocks) {
  for (size_t i = 0; i < nblocks; ++i, src += sizeof(BlockQ5_1), dst += kQK) {
    const auto b = load_block<BlockQ5_1>(src);
    const float d = fp16_to_fp32(b.d);
    const float m = fp16_to_fp32(b.m);
    const uint32_t qh = load_qh(b.qh);
    for (int j = 0; j < kHalf; ++j) {
      const int h0 = static_cast<int>((qh >> j) & 1u) << 4;
      const int h1 = static_cast<int>((qh >> (j + kHalf)) & 1u) << 4;
      dst[j] = static_cast<float>(low_nibble(b.qs[j]) | h0) * d + m;
      dst[j + kHalf] = static_cast<float>(high_nibble(b.qs[j]) | h1) * d + m;
    }
  }
}

void dequantize_q8_0(const std::byte* src, float* dst, size_t nblocks) {
  for (size_t i = 0; i < nblocks; ++i, src += sizeof(BlockQ8_0), dst += kQK) {
    const auto b = load_block<BlockQ8_0>(src);
    const float d = fp16_to_fp32(b.d);
    for (int j = 0; j < kQK; ++j) dst[j] = static_cast<float>(b.qs[j]) * d;
  }
}

}  // namespace etchsim::gguf::detail
