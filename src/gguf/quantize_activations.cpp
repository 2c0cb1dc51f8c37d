// Activation quantisers: what ggml's x86 CPU back end does to an f32 activation row before a
// block dot product (docs/formats.md §4.3, pitfall §8.6).
#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>
#include <string>

#include "etchsim/gguf/fp16.hpp"
#include "etchsim/gguf/quantize.hpp"

namespace etchsim::gguf {
namespace {

// Checks sizes and finiteness; returns the number of blocks.
template <class Block>
size_t check_blocks(std::span<const float> x, std::span<Block> out, size_t block_elems,
                    const char* what) {
  if (x.size() % block_elems != 0 || out.size() != x.size() / block_elems) {
    throw std::invalid_argument(std::string(what) + ": " + std::to_string(x.size()) +
                                " values need a multiple of " + std::to_string(block_elems) +
                                " and one output block per " + std::to_string(block_elems) +
                                ", got " + std::to_string(out.size()) + " blocks");
  }
  if (!std::all_of(x.begin(), x.end(), [](float v) { return std::isfinite(v); })) {
    throw std::invalid_argument(std::string(what) + ": non-finite activation");
  }
  return out.size();
}

float block_amax(const float* x, int n) {
  float amax = 0.0f;
  for (int j = 0; j < n; ++j) amax = std::max(amax, std::fabs(x[j]));
  return amax;
}

// Round half to even (default rounding mode, _mm256_round_ps), converted as _mm256_cvtps_epi32
// does (NaN, infinities and values outside int32 give INT32_MIN, the "integer indefinite"), then
// saturated to int8 as _mm256_packs_epi32/_epi16 do. A subnormal amax makes id = 127 / amax
// infinite, so x * id is infinite or NaN (0 * inf): llama.cpp's x86 path stores -128 there.
int8_t round_even_saturate(float v) {
  const float r = std::nearbyint(v);
  if (!(r >= -2147483648.0f && r < 2147483648.0f)) return -128;
  return static_cast<int8_t>(std::clamp(r, -128.0f, 127.0f));
}

// ggml's nearest_int: the low mantissa bits of fl(v + 1.5*2^23), round-half-even for
// |v| < 2^22 (§4.3 Q8_K step 4).
int nearest_int(float v) {
  const float shifted = v + 12582912.0f;
  const auto bits = std::bit_cast<int32_t>(shifted);
  return (bits & 0x007fffff) - 0x00400000;
}

// x86 Q8_0 body shared with Q8_1; returns the unrounded f32 d and the sum of the codes.
struct Q8Result {
  float d;
  int sum;
};
Q8Result quantize_q8_x86(const float* x, int8_t* qs) {
  const float amax = block_amax(x, kQK);
  const float d = amax / 127.0f;
  const float id = amax != 0.0f ? 127.0f / amax : 0.0f;  // not 1/d
  int sum = 0;
  for (int j = 0; j < kQK; ++j) {
    qs[j] = round_even_saturate(x[j] * id);
    sum += qs[j];
  }
  return {d, sum};
}

}  // namespace

void quantize_activation_q8_0(std::span<const float> x, std::span<BlockQ8_0> out) {
  const size_t n = check_blocks(x, out, kQK, "quantize_activation_q8_0");
  for (size_t i = 0; i < n; ++i) {
    out[i].d = fp32_to_fp16(quantize_q8_x86(x.data() + i * kQK, out[i].qs).d);
  }
}

void quantize_activation_q8_1(std::span<const float> x, std::span<BlockQ8_1> out) {
  const size_t n = check_blocks(x, out, kQK, "quantize_activation_q8_1");
  for (size_t i = 0; i < n; ++i) {
    const Q8Result r = quantize_q8_x86(x.data() + i * kQK, out[i].qs);
    out[i].d = fp32_to_fp16(r.d);
    out[i].s = fp32_to_fp16(r.d * static_cast<float>(r.sum));
  }
}

void quantize_activation_q8_0_ref(std::span<const float> x, std::span<BlockQ8_0> out) {
  const size_t n = check_blocks(x, out, kQK, "quantize_activation_q8_0_ref");
  for (size_t i = 0; i < n; ++i) {
    const float* xb = x.data() + i * kQK;
    const float d = block_amax(xb, kQK) / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    out[i].d = fp32_to_fp16(d);
    // roundf: half away from zero. |x*id| <= 127 up to an ulp, so the cast is in range, except
    // when a subnormal d makes id infinite (x*id +-inf or NaN): ggml's C assignment is undefined
    // there; gcc's x86 code converts through cvttss2si (INT32_MIN) and keeps the low byte, 0.
    for (int j = 0; j < kQK; ++j) {
      const float r = std::round(xb[j] * id);
      out[i].qs[j] = (r >= -128.0f && r <= 127.0f) ? static_cast<int8_t>(r) : int8_t{0};
    }
  }
}

void quantize_activation_q8_k(std::span<const float> x, std::span<BlockQ8_K> out) {
  const size_t n = check_blocks(x, out, kQKK, "quantize_activation_q8_k");
  for (size_t i = 0; i < n; ++i) {
    const float* xb = x.data() + i * kQKK;
    BlockQ8_K& b = out[i];
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < kQKK; ++j) {
      if (std::fabs(xb[j]) > amax) {  // first strict maximum wins, keeping its sign
        amax = std::fabs(xb[j]);
        max = xb[j];
      }
    }
    if (amax == 0.0f) {
      b = BlockQ8_K{};  // ggml leaves bsums unwritten; they are zero here (§4.3 step 2)
      continue;
    }
    const float iscale = -127.0f / max;
    for (int j = 0; j < kQKK; ++j) {
      b.qs[j] = static_cast<int8_t>(std::min(127, nearest_int(iscale * xb[j])));
    }
    for (int k = 0; k < kQKK / 16; ++k) {
      int sum = 0;
      for (int j = 0; j < 16; ++j) sum += b.qs[16 * k + j];
      b.bsums[k] = static_cast<int16_t>(sum);
    }
    b.d = 1.0f / iscale;
  }
}

}  // namespace etchsim::gguf
