// F32 / F16 / BF16 weight rows (docs/formats.md §4.5 "F32 weights", "F16 weights", "BF16").
#include "float_rows.hpp"

#include <cmath>
#include <cstring>

#include "etchsim/gguf/fp16.hpp"
#include "etchsim/numerics/float_dot.hpp"
#include "hsum.hpp"

namespace etchsim::numerics::detail {
namespace {

std::vector<float> half_row(const std::byte* row, size_t n, float (*convert)(uint16_t)) {
  std::vector<float> out(n);
  for (size_t i = 0; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, row + 2 * i, 2);
    out[i] = convert(h);
  }
  return out;
}

// vdpbf16ps treats denormal inputs and results as zero (DAZ/FTZ implied).
float flush_denormal(float v) { return std::fpclassify(v) == FP_SUBNORMAL ? 0.0f * v : v; }

constexpr int kBf16Lanes = 16;
constexpr int kBf16Step = 64;  // Zen4: two accumulators, 32 bf16 pairs each

// Zen4 (vdpbf16ps): the vector body's f32 sum, added into a double. Sets *done to the body size.
double bf16_body_zen4(const std::vector<float>& w, const std::vector<float>& a, size_t* done) {
  const size_t n = w.size();
  float acc[2][kBf16Lanes] = {};
  const size_t body = n - n % kBf16Step;
  for (size_t i = 0; i < body; i += kBf16Step) {
    for (int c = 0; c < 2; ++c) {
      for (int l = 0; l < kBf16Lanes; ++l) {
        const size_t e = i + static_cast<size_t>(32 * c + 2 * l);
        // odd pair element first, then even (vdpbf16ps pseudocode)
        const float odd = flush_denormal(flush_denormal(w[e + 1]) * flush_denormal(a[e + 1]));
        const float even = flush_denormal(flush_denormal(w[e]) * flush_denormal(a[e]));
        acc[c][l] = flush_denormal(flush_denormal(acc[c][l] + odd) + even);
      }
    }
  }
  *done = body;
  double sum = 0.0;
  sum += static_cast<double>(reduce_add16(acc[0]));
  sum += static_cast<double>(reduce_add16(acc[1]));
  return sum;
}

// Haswell (AVX2 path): 4 accumulators of 8 lanes over 32-element steps; the products are exact
// (8 x 8 significant bits), so the fma the binary uses is one rounded add. Reduced
// (acc0+acc2) + (acc1+acc3), then hsum8 (movehl / movehdup), widened to double. Sets *done to
// the body size.
double bf16_body_haswell(const std::vector<float>& w, const std::vector<float>& a, size_t* done) {
  constexpr size_t kLanes = 8;
  const size_t body = w.size() - w.size() % (4 * kLanes);
  float acc[4][kLanes] = {};
  for (size_t i = 0; i < body; i += 4 * kLanes) {
    for (size_t j = 0; j < 4; ++j) {
      for (size_t l = 0; l < kLanes; ++l) {
        const size_t e = i + j * kLanes + l;
        acc[j][l] = std::fma(w[e], a[e], acc[j][l]);
      }
    }
  }
  float sum[kLanes];
  for (size_t l = 0; l < kLanes; ++l) sum[l] = (acc[0][l] + acc[2][l]) + (acc[1][l] + acc[3][l]);
  *done = body;
  return static_cast<double>(hsum8(sum));
}

}  // namespace

std::vector<float> load_f32_row(const std::byte* row, int64_t n) {
  std::vector<float> out(static_cast<size_t>(n));
  std::memcpy(out.data(), row, out.size() * sizeof(float));
  return out;
}

float dot_f16_row(CpuProfile profile, const std::byte* row, std::span<const uint16_t> x) {
  const std::vector<float> w = half_row(row, x.size(), gguf::fp16_to_fp32);
  std::vector<float> a(x.size());
  for (size_t i = 0; i < x.size(); ++i) a[i] = gguf::fp16_to_fp32(x[i]);
  return dot_f16_order(profile, w, a);
}

float dot_bf16_row(CpuProfile profile, const std::byte* row, std::span<const uint16_t> x) {
  const size_t n = x.size();
  const std::vector<float> w = half_row(row, n, gguf::bf16_to_fp32);
  std::vector<float> a(n);
  for (size_t i = 0; i < n; ++i) a[i] = gguf::bf16_to_fp32(x[i]);
  size_t body = 0;
  double sum =
      profile == CpuProfile::Zen4 ? bf16_body_zen4(w, a, &body) : bf16_body_haswell(w, a, &body);
  for (size_t i = body; i < n; ++i) sum += static_cast<double>(w[i] * a[i]);
  return static_cast<float>(sum);
}

}  // namespace etchsim::numerics::detail
