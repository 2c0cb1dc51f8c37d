// ggml_v_expf (AVX2 and AVX-512 forms) lane by lane, and SiLU (docs/formats.md §5.5; expf.hpp).
#include "etchsim/numerics/expf.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace etchsim::numerics {
namespace {

constexpr float kShifter = 0x1.8p23f;
constexpr float kC1 = 0x1.ffffecp-1f;
constexpr float kC2 = 0x1.fffdb6p-2f;
constexpr float kC3 = 0x1.555e66p-3f;
constexpr float kC4 = 0x1.573e2ep-5f;
constexpr float kC5 = 0x1.0e4020p-7f;

struct Reduced {
  float z;  // x * log2(e) + shifter: n in the low mantissa bits
  float n;  // round(x * log2(e))
  float b;  // x - n * ln2
  float u;  // b * b
};

// Always inlined, so each FMA clone of v_expf / v_silu below compiles them with its target.
#define ETCHSIM_INLINE [[gnu::always_inline]] inline

ETCHSIM_INLINE Reduced reduce(float x) {
  const float z = std::fma(x, 0x1.715476p+0f, kShifter);
  const float n = z - kShifter;
  const float b = std::fma(-n, 0x1.7f7d1cp-20f, std::fma(-n, 0x1.62e4p-1f, x));
  return {z, n, b, b * b};
}

// The polynomial j without its T1 term: fma(fma(C5, b, C4), u, fma(C3, b, C2)).
ETCHSIM_INLINE float poly_high(const Reduced& r) {
  return std::fma(std::fma(kC5, r.b, kC4), r.u, std::fma(kC3, r.b, kC2));
}

ETCHSIM_INLINE float v_expf_avx512(float x) {
  const Reduced r = reduce(x);
  if (std::isnan(r.n)) return r.n;
  if (std::fabs(r.n) > 192.0f) return r.n <= 0.0f ? 0.0f : std::numeric_limits<float>::infinity();
  const float j = std::fma(poly_high(r), r.u, std::fma(kC1, r.b, 1.0f));
  // vscalefps: j * 2^n rounded once (as std::ldexp, without its library call): 2^n and the
  // product are exact in double for |n| <= 192, so the conversion to float is the one rounding.
  const auto n = static_cast<int64_t>(r.n);
  const double scale = std::bit_cast<double>(static_cast<uint64_t>(n + 1023) << 52);
  return static_cast<float>(static_cast<double>(j) * scale);
}

ETCHSIM_INLINE float v_expf_avx2(float x) {
  const Reduced r = reduce(x);
  const uint32_t e = std::bit_cast<uint32_t>(r.z) << 23;
  const float k = std::bit_cast<float>(e + std::bit_cast<uint32_t>(1.0f));
  const float j = std::fma(poly_high(r), r.u, kC1 * r.b);
  if (!(std::fabs(r.n) > 126.0f)) return std::fma(k, j, k);  // also NaN: the compares are false
  const uint32_t g = r.n <= 0.0f ? 0x82000000u : 0u;
  const float s1 = std::bit_cast<float>(g + 0x7f000000u);
  if (std::fabs(r.n) > 192.0f) return s1 * s1;
  const float s2 = std::bit_cast<float>(e - g);
  return std::fma(s2, j, s2) * s1;
}

ETCHSIM_INLINE float expf_lane(CpuProfile profile, float x) {
  return profile == CpuProfile::Zen4 ? v_expf_avx512(x) : v_expf_avx2(x);
}

}  // namespace

// Clones with FMA: std::fma is an instruction there instead of a libm call per use (7 per exp);
// fma rounds once either way, so both clones give the same bits.
#if defined(__x86_64__) && defined(__GNUC__)
#define ETCHSIM_FMA_CLONES __attribute__((target_clones("fma", "default")))
#else
#define ETCHSIM_FMA_CLONES
#endif

ETCHSIM_FMA_CLONES float v_expf(CpuProfile profile, float x) { return expf_lane(profile, x); }

ETCHSIM_FMA_CLONES float v_silu(CpuProfile profile, float x) {
  return x / (1.0f + expf_lane(profile, 0.0f - x));
}

float silu_tail(float x) { return x / (1.0f + std::exp(-x)); }

}  // namespace etchsim::numerics
