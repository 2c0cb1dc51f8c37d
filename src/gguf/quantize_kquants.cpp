// Weight quantisers for Q3_K, Q4_K and Q6_K following the idea of ggml's reference
// quantisers (not bit-exact with them): fit a float scale (and min) per sub-block by a small
// search minimising the squared error, quantise those to the 6/8-bit super-block scales, then
// requantise every element with the scales the dequantiser will actually see (§3.2).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include "etchsim/gguf/blocks.hpp"
#include "etchsim/gguf/fp16.hpp"
#include "kquant_scales.hpp"
#include "quantize_rows.hpp"

namespace etchsim::gguf::detail {
namespace {

// Candidate steps of the scale search: iscale = (levels + kStep*k) / range, |k| <= kSearch.
constexpr int kSearch = 9;
constexpr float kStep = 0.1f;

int nearest(float v) { return static_cast<int>(std::nearbyint(v)); }

template <class Block>
void store_block(const Block& b, std::byte* dst) {
  std::memcpy(dst, &b, sizeof b);
}

// Signed value of largest magnitude (first one wins).
float signed_max(const float* x, int n) {
  float amax = 0.0f, max = 0.0f;
  for (int i = 0; i < n; ++i) {
    if (std::fabs(x[i]) > amax) {
      amax = std::fabs(x[i]);
      max = x[i];
    }
  }
  return max;
}

// Symmetric fit x ~ scale * L with L in [-nmax, nmax-1]; returns scale (0 for an all-zero
// sub-block). Candidates map the largest-magnitude value to about -nmax; the least-squares
// sums run in double so exactly representable sub-blocks come back exactly.
float fit_symmetric(const float* x, int n, int nmax) {
  const float max = signed_max(x, n);
  if (max == 0.0f) return 0.0f;
  double best_scale = 0.0, best_err = INFINITY;
  for (int k = -kSearch; k <= kSearch; ++k) {
    const float iscale = -(static_cast<float>(nmax) + kStep * static_cast<float>(k)) / max;
    double sum_xl = 0.0, sum_ll = 0.0;
    std::array<int, kQK> l{};
    for (int i = 0; i < n; ++i) {
      l[i] = std::clamp(nearest(iscale * x[i]), -nmax, nmax - 1);
      sum_xl += double{x[i]} * l[i];
      sum_ll += l[i] * l[i];
    }
    if (sum_ll == 0.0) continue;
    const double scale = sum_xl / sum_ll;
    double err = 0.0;
    for (int i = 0; i < n; ++i) {
      const double r = x[i] - scale * l[i];
      err += r * r;
    }
    if (err < best_err) {
      best_err = err;
      best_scale = scale;
    }
  }
  return static_cast<float>(best_scale);
}

// Asymmetric fit x ~ scale * L - min with L in [0, nmax], scale >= 0, min >= 0, by least
// squares (in double) over candidate code assignments.
struct ScaleMinF {
  float scale;
  float min;
};
ScaleMinF fit_asymmetric(const float* x, int n, int nmax) {
  float lo = 0.0f, hi = x[0];
  for (int i = 0; i < n; ++i) {
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
  }
  if (hi <= lo) return {0.0f, -lo};
  ScaleMinF best{(hi - lo) / static_cast<float>(nmax), -lo};
  double best_err = INFINITY;
  for (int k = -kSearch; k <= kSearch; ++k) {
    const float iscale = (static_cast<float>(nmax) + kStep * static_cast<float>(k)) / (hi - lo);
    std::array<int, kQK> l{};
    double sl = 0.0, sll = 0.0, sx = 0.0, sxl = 0.0;
    for (int i = 0; i < n; ++i) {
      l[i] = std::clamp(nearest(iscale * (x[i] - lo)), 0, nmax);
      sl += l[i];
      sll += l[i] * l[i];
      sx += x[i];
      sxl += double{x[i]} * l[i];
    }
    // Least squares x ~ a*L + b; b = -min must not be positive.
    const double det = n * sll - sl * sl;
    if (det <= 0.0) continue;
    double a = (n * sxl - sl * sx) / det;
    double b = (sll * sx - sl * sxl) / det;
    if (b > 0.0) {
      b = 0.0;
      a = sxl / sll;
    }
    if (a < 0.0) continue;
    double err = 0.0;
    for (int i = 0; i < n; ++i) {
      const double r = a * l[i] + b - x[i];
      err += r * r;
    }
    if (err < best_err) {
      best_err = err;
      best = {static_cast<float>(a), static_cast<float>(-b)};
    }
  }
  return best;
}

// Quantises the signed float sub-block scales to integers in [-kmax, kmax-1] with one
// super-block scale d (stored fp16); returns fp16(d).
template <size_t N>
uint16_t quantize_scales(const std::array<float, N>& scales, int kmax, std::array<int, N>& q) {
  float amax = 0.0f, max = 0.0f;
  for (float s : scales) {
    if (std::fabs(s) > amax) {
      amax = std::fabs(s);
      max = s;
    }
  }
  q.fill(0);
  if (max == 0.0f) return 0;
  const float iscale = -static_cast<float>(kmax) / max;
  for (size_t s = 0; s < N; ++s) q[s] = std::clamp(nearest(iscale * scales[s]), -kmax, kmax - 1);
  return fp32_to_fp16(1.0f / iscale);
}

// Code of x for an effective step dl (0 when the sub-block scale is 0).
int requantize(float x, float dl, int lo, int hi) {
  return dl != 0.0f ? std::clamp(nearest(x / dl), lo, hi) : 0;
}

}  // namespace

void quantize_q3_k(const float* src, std::byte* dst, size_t nblocks) {
  for (size_t i = 0; i < nblocks; ++i, src += kQKK, dst += sizeof(BlockQ3_K)) {
    std::array<float, 16> scales{};
    for (int s = 0; s < 16; ++s) scales[s] = fit_symmetric(src + 16 * s, 16, 4);
    std::array<int, 16> q_scales{};
    BlockQ3_K b{};
    b.d = quantize_scales(scales, 32, q_scales);
    const ScaleBytes packed = pack_q3_k_scales(q_scales);
    std::copy(packed.begin(), packed.end(), b.scales);
    const float d = fp16_to_fp32(b.d);
    for (int e = 0; e < kQKK; ++e) {
      const int h = e / 128, j = (e % 128) / 32, l = e % 32;
      const float dl = d * static_cast<float>(q_scales[e / 16]);
      const auto u = static_cast<unsigned>(requantize(src[e], dl, -4, 3) + 4);  // 0..7
      b.qs[32 * h + l] |= static_cast<uint8_t>((u & 3u) << (2 * j));
      b.hmask[l] |= static_cast<uint8_t>((u >> 2) << (4 * h + j));
    }
    store_block(b, dst);
  }
}

void quantize_q4_k(const float* src, std::byte* dst, size_t nblocks) {
  for (size_t i = 0; i < nblocks; ++i, src += kQKK, dst += sizeof(BlockQ4_K)) {
    std::array<ScaleMinF, 8> fits{};
    float max_scale = 0.0f, max_min = 0.0f;
    for (int s = 0; s < 8; ++s) {
      fits[s] = fit_asymmetric(src + 32 * s, 32, 15);
      max_scale = std::max(max_scale, fits[s].scale);
      max_min = std::max(max_min, fits[s].min);
    }
    const float inv_scale = max_scale > 0.0f ? 63.0f / max_scale : 0.0f;
    const float inv_min = max_min > 0.0f ? 63.0f / max_min : 0.0f;
    std::array<ScaleMin, 8> sm{};
    for (int s = 0; s < 8; ++s) {
      sm[s] = {std::min(63, nearest(inv_scale * fits[s].scale)),
               std::min(63, nearest(inv_min * fits[s].min))};
    }
    BlockQ4_K b{};
    b.d = fp32_to_fp16(max_scale / 63.0f);
    b.dmin = fp32_to_fp16(max_min / 63.0f);
    const ScaleBytes packed = pack_q4_k_scales(sm);
    std::copy(packed.begin(), packed.end(), b.scales);
    const float d = fp16_to_fp32(b.d);
    const float dmin = fp16_to_fp32(b.dmin);
    for (int e = 0; e < kQKK; ++e) {
      const float dl = d * static_cast<float>(sm[e / 32].scale);
      const float ml = dmin * static_cast<float>(sm[e / 32].min);
      const auto u = static_cast<unsigned>(requantize(src[e] + ml, dl, 0, 15));
      const int c = e / 64, r = e % 64;
      b.qs[32 * c + r % 32] |= static_cast<uint8_t>(u << (r < 32 ? 0 : 4));
    }
    store_block(b, dst);
  }
}

void quantize_q6_k(const float* src, std::byte* dst, size_t nblocks) {
  for (size_t i = 0; i < nblocks; ++i, src += kQKK, dst += sizeof(BlockQ6_K)) {
    std::array<float, 16> scales{};
    for (int s = 0; s < 16; ++s) scales[s] = fit_symmetric(src + 16 * s, 16, 32);
    std::array<int, 16> q_scales{};
    BlockQ6_K b{};
    b.d = quantize_scales(scales, 128, q_scales);
    for (int s = 0; s < 16; ++s) b.scales[s] = static_cast<int8_t>(q_scales[s]);
    const float d = fp16_to_fp32(b.d);
    for (int e = 0; e < kQKK; ++e) {
      const int h = e / 128, k = (e % 128) / 32, l = e % 32;
      const float dl = d * static_cast<float>(q_scales[e / 16]);
      const auto u = static_cast<unsigned>(requantize(src[e], dl, -32, 31) + 32);  // 0..63
      b.ql[64 * h + l + 32 * (k & 1)] |= static_cast<uint8_t>((u & 15u) << (k < 2 ? 0 : 4));
      b.qh[32 * h + l] |= static_cast<uint8_t>((u >> 4) << (2 * k));
    }
    store_block(b, dst);
  }
}

}  // namespace etchsim::gguf::detail
