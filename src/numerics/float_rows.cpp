// F32 / F16 / BF16 weight rows (ggml-formats.md §4.5 "F32 weights", "F16 weights", "BF16").
#include "float_rows.hpp"

#include <cmath>
#include <cstring>

#include "etchsim/gguf/fp16.hpp"
#include "etchsim/numerics/float_dot.hpp"

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
constexpr int kBf16Step = 64;  // two accumulators, 32 bf16 pairs each

}  // namespace

std::vector<float> load_f32_row(const std::byte* row, int64_t n) {
  std::vector<float> out(static_cast<size_t>(n));
  std::memcpy(out.data(), row, out.size() * sizeof(float));
  return out;
}

float dot_f16_row(const std::byte* row, std::span<const uint16_t> x) {
  const std::vector<float> w = half_row(row, x.size(), gguf::fp16_to_fp32);
  std::vector<float> a(x.size());
  for (size_t i = 0; i < x.size(); ++i) a[i] = gguf::fp16_to_fp32(x[i]);
  return dot_f16_order(w, a);
}

float dot_bf16_row(const std::byte* row, std::span<const uint16_t> x) {
  const size_t n = x.size();
  const std::vector<float> w = half_row(row, n, gguf::bf16_to_fp32);
  std::vector<float> a(n);
  for (size_t i = 0; i < n; ++i) a[i] = gguf::bf16_to_fp32(x[i]);
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
  double sum = 0.0;
  sum += static_cast<double>(reduce_add16(acc[0]));
  sum += static_cast<double>(reduce_add16(acc[1]));
  for (size_t i = body; i < n; ++i) sum += static_cast<double>(w[i] * a[i]);
  return static_cast<float>(sum);
}

}  // namespace etchsim::numerics::detail
