// ggml_v_expf (AVX-512 form) lane by lane, and SiLU (ggml-formats.md §5.5).
#include "etchsim/numerics/expf.hpp"

#include <cmath>
#include <limits>

namespace etchsim::numerics {

float v_expf(float x) {
  constexpr float kShifter = 0x1.8p23f;
  constexpr float kC1 = 0x1.ffffecp-1f;
  constexpr float kC2 = 0x1.fffdb6p-2f;
  constexpr float kC3 = 0x1.555e66p-3f;
  constexpr float kC4 = 0x1.573e2ep-5f;
  constexpr float kC5 = 0x1.0e4020p-7f;
  const float z = std::fma(x, 0x1.715476p+0f, kShifter);
  const float n = z - kShifter;
  if (std::isnan(n)) return n;
  if (std::fabs(n) > 192.0f) return n <= 0.0f ? 0.0f : std::numeric_limits<float>::infinity();
  const float b = std::fma(-n, 0x1.7f7d1cp-20f, std::fma(-n, 0x1.62e4p-1f, x));
  const float u = b * b;
  const float j = std::fma(std::fma(std::fma(kC5, b, kC4), u, std::fma(kC3, b, kC2)), u,
                           std::fma(kC1, b, 1.0f));
  return std::ldexp(j, static_cast<int>(n));  // vscalefps: j * 2^n, rounded once
}

float v_silu(float x) { return x / (1.0f + v_expf(0.0f - x)); }

float silu_tail(float x) { return x / (1.0f + std::exp(-x)); }

}  // namespace etchsim::numerics
