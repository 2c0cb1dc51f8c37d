// Weight quantisers for Q3_K, Q4_K and Q6_K, bit-exact with ggml's quantize_row_q3_K_ref,
// quantize_row_q4_K_ref and quantize_row_q6_K_ref (what llama-quantize runs without an
// importance matrix): fit a scale (and min) per sub-block (kquant_fit.hpp), quantise those to
// the super-block's 6/8-bit scales, then requantise every element with the scale the
// dequantiser will see. Sub-blocks whose effective scale is zero keep the first fit's codes, as
// ggml's do.
#include <array>
#include <cmath>
#include <cstring>

#include "etchsim/gguf/blocks.hpp"
#include "etchsim/gguf/fp16.hpp"
#include "kquant_fit.hpp"
#include "kquant_scales.hpp"
#include "quantize_rows.hpp"

namespace etchsim::gguf::detail {
namespace {

template <class Block>
void store_block(const Block& b, std::byte* dst) {
  std::memcpy(dst, &b, sizeof b);
}

int clamp_code(int l, int lo, int hi) { return std::max(lo, std::min(hi, l)); }

}  // namespace

void quantize_q3_k(const float* src, std::byte* dst, size_t nblocks) {
  for (size_t i = 0; i < nblocks; ++i, src += kQKK, dst += sizeof(BlockQ3_K)) {
    std::array<int8_t, kQKK> L{};
    std::array<float, 16> scales{};
    float max_scale = 0.0f, amax = 0.0f;
    for (int j = 0; j < 16; ++j) {
      scales[j] = fit_q3(16, 4, src + 16 * j, L.data() + 16 * j);
      if (std::fabs(scales[j]) > amax) {
        amax = std::fabs(scales[j]);
        max_scale = scales[j];
      }
    }
    BlockQ3_K b{};
    if (max_scale != 0.0f) {
      const float iscale = -32.0f / max_scale;
      std::array<int, 16> q{};
      for (int j = 0; j < 16; ++j) q[j] = clamp_code(nearest_int(iscale * scales[j]), -32, 31);
      const ScaleBytes packed = pack_q3_k_scales(q);
      std::copy(packed.begin(), packed.end(), b.scales);
      b.d = fp32_to_fp16(1.0f / iscale);
    }  // else: scales bytes and d stay 0; every sub-block below then has d == 0
    const std::array<int, 16> sc = unpack_q3_k_scales(b.scales);
    for (int j = 0; j < 16; ++j) {
      const float d = fp16_to_fp32(b.d) * static_cast<float>(sc[j]);
      if (d == 0.0f) continue;
      for (int ii = 0; ii < 16; ++ii) {
        L[16 * j + ii] =
            static_cast<int8_t>(clamp_code(nearest_int(src[16 * j + ii] / d), -4, 3) + 4);
      }
    }
    // Codes 0..7: the high bit of element e goes to bit e/32 of hmask[e % 32], the low two bits
    // to qs[32 (e/128) + e % 32] at shift 2 ((e % 128) / 32).
    for (int e = 0; e < kQKK; ++e) {
      const auto u = static_cast<unsigned>(L[e]);
      b.hmask[e % 32] |= static_cast<uint8_t>((u >> 2) << (e / 32));
      b.qs[32 * (e / 128) + e % 32] |= static_cast<uint8_t>((u & 3u) << (2 * ((e % 128) / 32)));
    }
    store_block(b, dst);
  }
}

void quantize_q4_k(const float* src, std::byte* dst, size_t nblocks) {
  for (size_t i = 0; i < nblocks; ++i, src += kQKK, dst += sizeof(BlockQ4_K)) {
    std::array<uint8_t, kQKK> L{};
    std::array<uint8_t, 32> aux{};
    std::array<float, 32> weights{};
    std::array<float, 8> scales{}, mins{};
    float max_scale = 0.0f, max_min = 0.0f;
    for (int j = 0; j < 8; ++j) {
      const float* x = src + 32 * j;
      float sum_x2 = 0.0f;
      for (int l = 0; l < 32; ++l) sum_x2 += x[l] * x[l];
      const float av_x = std::sqrt(sum_x2 / 32.0f);
      for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(x[l]);
      scales[j] = fit_asymmetric(32, 15, x, weights.data(), L.data() + 32 * j, &mins[j], aux.data(),
                                 -1.0f, 0.1f, 20);
      if (scales[j] > max_scale) max_scale = scales[j];
      if (mins[j] > max_min) max_min = mins[j];
    }
    const float inv_scale = max_scale > 0.0f ? 63.0f / max_scale : 0.0f;
    const float inv_min = max_min > 0.0f ? 63.0f / max_min : 0.0f;
    std::array<ScaleMin, 8> sm{};
    for (int j = 0; j < 8; ++j) {
      // ggml stores nearest_int's result in a uint8_t before the min(63, .).
      const auto ls = static_cast<uint8_t>(nearest_int(inv_scale * scales[j]));
      const auto lm = static_cast<uint8_t>(nearest_int(inv_min * mins[j]));
      sm[j] = {std::min<int>(63, ls), std::min<int>(63, lm)};
    }
    BlockQ4_K b{};
    const ScaleBytes packed = pack_q4_k_scales(sm);
    std::copy(packed.begin(), packed.end(), b.scales);
    b.d = fp32_to_fp16(max_scale / 63.0f);
    b.dmin = fp32_to_fp16(max_min / 63.0f);
    for (int j = 0; j < 8; ++j) {
      const float d = fp16_to_fp32(b.d) * static_cast<float>(sm[j].scale);
      if (d == 0.0f) continue;
      const float dm = fp16_to_fp32(b.dmin) * static_cast<float>(sm[j].min);
      for (int ii = 0; ii < 32; ++ii) {
        L[32 * j + ii] =
            static_cast<uint8_t>(clamp_code(nearest_int((src[32 * j + ii] + dm) / d), 0, 15));
      }
    }
    // 64 elements per 32 bytes: element r of a 64-chunk in the low nibble (r < 32) or high.
    for (int c = 0; c < kQKK / 64; ++c) {
      for (int l = 0; l < 32; ++l) {
        b.qs[32 * c + l] = static_cast<uint8_t>(L[64 * c + l] | L[64 * c + l + 32] << 4);
      }
    }
    store_block(b, dst);
  }
}

void quantize_q6_k(const float* src, std::byte* dst, size_t nblocks) {
  for (size_t i = 0; i < nblocks; ++i, src += kQKK, dst += sizeof(BlockQ6_K)) {
    std::array<int8_t, kQKK> L{};
    std::array<float, 16> scales{};
    float max_scale = 0.0f, max_abs_scale = 0.0f;
    for (int ib = 0; ib < 16; ++ib) {
      scales[ib] = fit_symmetric_weighted(16, 32, src + 16 * ib, L.data() + 16 * ib);
      if (std::fabs(scales[ib]) > max_abs_scale) {
        max_abs_scale = std::fabs(scales[ib]);
        max_scale = scales[ib];
      }
    }
    BlockQ6_K b{};
    if (max_abs_scale < kGroupMaxEps) {  // an all-zero super-block: every byte 0
      store_block(b, dst);
      continue;
    }
    const float iscale = -128.0f / max_scale;
    b.d = fp32_to_fp16(1.0f / iscale);
    for (int ib = 0; ib < 16; ++ib) {
      b.scales[ib] = static_cast<int8_t>(std::min(127, nearest_int(iscale * scales[ib])));
    }
    for (int j = 0; j < 16; ++j) {
      const float d = fp16_to_fp32(b.d) * static_cast<float>(b.scales[j]);
      if (d == 0.0f) continue;
      for (int ii = 0; ii < 16; ++ii) {
        L[16 * j + ii] =
            static_cast<int8_t>(clamp_code(nearest_int(src[16 * j + ii] / d), -32, 31) + 32);
      }
    }
    // Codes 0..63: low nibbles in ql, high two bits in qh (docs/formats.md §3.2, the Q6_K layout).
    for (int e = 0; e < kQKK; ++e) {
      const auto u = static_cast<unsigned>(static_cast<uint8_t>(L[e]));
      const int h = e / 128, k = (e % 128) / 32, l = e % 32;
      b.ql[64 * h + l + 32 * (k & 1)] |= static_cast<uint8_t>((u & 15u) << (k < 2 ? 0 : 4));
      b.qh[32 * h + l] |= static_cast<uint8_t>((u >> 4) << (2 * k));
    }
    store_block(b, dst);
  }
}

}  // namespace etchsim::gguf::detail
