// 256-element K-quant super-blocks, docs/formats.md §3.2. Loops run over the doc's index
// helpers h = e/128, j = (e%128)/32, l = e%32. Every product and sum is rounded separately in
// ggml's C order (no FMA contraction: CMakeLists.txt sets -ffp-contract=off).
#include <cstdint>

#include "dequantize_rows.hpp"
#include "etchsim/gguf/blocks.hpp"
#include "etchsim/gguf/fp16.hpp"
#include "kquant_scales.hpp"

namespace etchsim::gguf::detail {

void dequantize_q2_k(const std::byte* src, float* dst, size_t nblocks) {
  for (size_t i = 0; i < nblocks; ++i, src += sizeof(BlockQ2_K), dst += kQKK) {
    const auto b = load_block<BlockQ2_K>(src);
    const float d = fp16_to_fp32(b.d);
    const float dmin = fp16_to_fp32(b.dmin);
    for (int e = 0; e < kQKK; ++e) {
      const int h = e / 128, j = (e % 128) / 32, l = e % 32;
      const int sc = b.scales[e / 16];
      const int q = (b.qs[32 * h + l] >> (2 * j)) & 3;
      const float dl = d * static_cast<float>(sc & 15);
      const float ml = dmin * static_cast<float>(sc >> 4);
      dst[e] = dl * static_cast<float>(q) - ml;
    }
  }
}

void dequantize_q3_k(const std::byte* src, float* dst, size_t nblocks) {
  for (size_t i = 0; i < nblocks; ++i, src += sizeof(BlockQ3_K), dst += kQKK) {
    const auto b = load_block<BlockQ3_K>(src);
    const float d = fp16_to_fp32(b.d);
    const std::array<int, 16> scales = unpack_q3_k_scales(b.scales);
    for (int e = 0; e < kQKK; ++e) {
      const int h = e / 128, j = (e % 128) / 32, l = e % 32;
      const int q2 = (b.qs[32 * h + l] >> (2 * j)) & 3;
      // The hmask byte is e%32; the bit runs 0..7 over the whole super-block (pitfall §8.5).
      const int hb = (b.hmask[l] >> (4 * h + j)) & 1;
      const int q = q2 - (hb ? 0 : 4);
      const float dl = d * static_cast<float>(scales[e / 16]);
      dst[e] = dl * static_cast<float>(q);
    }
  }
}

namespace {

// Q4_K / Q5_K low 4 bits: chunk c = e/64 uses qs[32c..32c+31], low nibbles first.
int q4_k_nibble(const uint8_t* qs, int e) {
  const int c = e / 64, r = e % 64;
  return r < 32 ? qs[32 * c + r] & 15 : qs[32 * c + r - 32] >> 4;
}

}  // namespace

void dequantize_q4_k(const std::byte* src, float* dst, size_t nblocks) {
  for (size_t i = 0; i < nblocks; ++i, src += sizeof(BlockQ4_K), dst += kQKK) {
    const auto b = load_block<BlockQ4_K>(src);
    const float d = fp16_to_fp32(b.d);
    const float dmin = fp16_to_fp32(b.dmin);
    const std::array<ScaleMin, 8> sm = unpack_q4_k_scales(b.scales);
    for (int e = 0; e < kQKK; ++e) {
      const ScaleMin& s = sm[e / 32];
      const float d1 = d * static_cast<float>(s.scale);
      const float m1 = dmin * static_cast<float>(s.min);
      dst[e] = d1 * static_cast<float>(q4_k_nibble(b.qs, e)) - m1;
    }
  }
}

void dequantize_q5_k(const std::byte* src, float* dst, size_t nblocks) {
  for (size_t i = 0; i < nblocks; ++i, src += sizeof(BlockQ5_K), dst += kQKK) {
    const auto b = load_block<BlockQ5_K>(src);
    const float d = fp16_to_fp32(b.d);
    const float dmin = fp16_to_fp32(b.dmin);
    const std::array<ScaleMin, 8> sm = unpack_q4_k_scales(b.scales);
    for (int e = 0; e < kQKK; ++e) {
      const ScaleMin& s = sm[e / 32];
      const int q = q4_k_nibble(b.qs, e) + 16 * ((b.qh[e % 32] >> (e / 32)) & 1);
      const float d1 = d * static_cast<float>(s.scale);
      const float m1 = dmin * static_cast<float>(s.min);
      dst[e] = d1 * static_cast<float>(q) - m1;
    }
  }
}

void dequantize_q6_k(const std::byte* src, float* dst, size_t nblocks) {
  for (size_t i = 0; i < nblocks; ++i, src += sizeof(BlockQ6_K), dst += kQKK) {
    const auto b = load_block<BlockQ6_K>(src);
    const float d = fp16_to_fp32(b.d);
    for (int e = 0; e < kQKK; ++e) {
      const int h = e / 128, k = (e % 128) / 32, l = e % 32;
      const uint8_t low_byte = b.ql[64 * h + l + 32 * (k & 1)];
      const int lo = k < 2 ? low_byte & 15 : low_byte >> 4;
      const int hi = (b.qh[32 * h + l] >> (2 * k)) & 3;
      const int q = (lo | hi << 4) - 32;
      const float dl = d * static_cast<float>(b.scales[e / 16]);
      dst[e] = dl * static_cast<float>(q);
    }
  }
}

}  // namespace etchsim::gguf::detail
