// RMSNorm, RoPE, exp, softmax and SwiGLU against double-precision references and special cases.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "etchsim/numerics/expf.hpp"
#include "etchsim/numerics/rms_norm.hpp"
#include "etchsim/numerics/rope.hpp"
#include "etchsim/numerics/softmax.hpp"
#include "etchsim/numerics/swiglu.hpp"
#include "random_data.hpp"

namespace etchsim::numerics {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

TEST(RmsNorm, MatchesDouble) {
  const std::vector<float> x = test_data::random_vector(4096, 1, 3.0f);
  const std::vector<float> w = test_data::random_vector(4096, 2);
  std::vector<float> y(x.size());
  rms_norm(x, w, 1e-5f, y);
  double ss = 0.0;
  for (float v : x) ss += static_cast<double>(v) * v;
  const double r = 1.0 / std::sqrt(ss / 4096.0 + 1e-5);
  for (size_t i = 0; i < x.size(); ++i)
    EXPECT_NEAR(y[i], x[i] * r * w[i], 1e-5 * std::fabs(x[i] * r * w[i]) + 1e-7);
  std::vector<float> in_place = x;
  rms_norm(in_place, w, 1e-5f, in_place);
  EXPECT_EQ(in_place, y);
}

TEST(Rope, PositionZeroIsIdentity) {
  std::vector<float> x = test_data::random_vector(4 * 128, 3);
  const std::vector<float> before = x;
  rope(x, 128, 0, RopeParams{128, 500000.0f, 1.0f, {}});
  EXPECT_EQ(x, before);  // cos 0 = 1, sin 0 = 0
}

TEST(Rope, MatchesDoubleRotationOfAdjacentPairs) {
  const int hd = 128;
  std::vector<float> x = test_data::random_vector(2 * hd, 4);
  const std::vector<float> x0 = x;
  const int32_t pos = 37;
  rope(x, hd, pos, RopeParams{hd, 10000.0f, 1.0f, {}});
  for (int head = 0; head < 2; ++head) {
    for (int i = 0; i < hd / 2; ++i) {
      const double theta = pos * std::pow(10000.0, -2.0 * i / hd);
      const double a = x0[head * hd + 2 * i], b = x0[head * hd + 2 * i + 1];
      EXPECT_NEAR(x[head * hd + 2 * i], a * std::cos(theta) - b * std::sin(theta), 1e-4);
      EXPECT_NEAR(x[head * hd + 2 * i + 1], a * std::sin(theta) + b * std::cos(theta), 1e-4);
    }
  }
}

// The contraction of the shipped haswell/zen4 rotate_pairs (rope.hpp), checked bit-exact against
// libggml-cpu-haswell.so: x'0 = fma(x0, c, -fl(x1 s)), x'1 = fma(x0, s, fl(x1 c)). The other
// contraction of x'1, fma(x1, c, fl(x0 s)), differs in the last bit for a good share of elements.
TEST(Rope, ContractsLikeTheShippedBinaries) {
  const int hd = 128;
  const std::vector<float> x0 = test_data::random_vector(4 * hd, 6, 2.0f);
  std::vector<float> x = x0;
  const RopeCache c = rope_cache(RopeParams{hd, 500000.0f, 1.0f, {}}, 77);
  rope(x, hd, c);
  int other_differs = 0;
  for (size_t p = 0; p < x.size() / 2; ++p) {
    const float a = x0[2 * p], b = x0[2 * p + 1];
    const float co = c.cos[p % (hd / 2)], si = c.sin[p % (hd / 2)];
    EXPECT_EQ(x[2 * p], std::fma(a, co, -(b * si)));
    EXPECT_EQ(x[2 * p + 1], std::fma(a, si, b * co));
    other_differs += std::fma(b, co, a * si) != x[2 * p + 1];
  }
  EXPECT_GT(other_differs, 0);  // the test tells the two forms apart
}

TEST(Rope, FreqFactorsDivideTheAngle) {
  const int hd = 64;
  const std::vector<float> twos(hd / 2, 2.0f);
  std::vector<float> a = test_data::random_vector(hd, 5), b = a;
  // theta / 2 and 0.5 * theta are both exact, so factors of 2 equal freq_scale 0.5 bit for bit.
  rope(a, hd, 1234, RopeParams{hd, 500000.0f, 1.0f, twos});
  rope(b, hd, 1234, RopeParams{hd, 500000.0f, 0.5f, {}});
  EXPECT_EQ(a, b);
  std::vector<float> factors(hd / 2);
  for (int i = 0; i < hd / 2; ++i) factors[i] = 1.0f + 0.25f * static_cast<float>(i);
  const RopeCache c = rope_cache(RopeParams{hd, 500000.0f, 1.0f, factors}, 100);
  for (int i = 0; i < hd / 2; ++i) {
    const double theta = 100.0 * std::pow(500000.0, -2.0 * i / hd) / factors[i];
    EXPECT_NEAR(c.cos[i], std::cos(theta), 1e-5);
    EXPECT_NEAR(c.sin[i], std::sin(theta), 1e-5);
  }
}

TEST(Exp, VExpfIsAccurateAndSaturates) {
  for (const CpuProfile p : test_data::kAllProfiles) {
    for (float x = -87.0f; x < 88.0f; x += 0.37f) {
      const double ref = std::exp(static_cast<double>(x));
      EXPECT_NEAR(v_expf(p, x), ref, 4e-7 * ref) << x;
    }
    EXPECT_EQ(v_expf(p, 0.0f), 1.0f);
    EXPECT_EQ(v_expf(p, -kInf), 0.0f);
    EXPECT_EQ(v_expf(p, -200.0f), 0.0f);
    EXPECT_EQ(v_expf(p, 200.0f), kInf);
    EXPECT_GT(v_expf(p, -100.0f), 0.0f);  // the subnormal range still scales
    const double big = std::exp(88.5);    // n = 128 > 126: AVX2's two-step scaling
    EXPECT_NEAR(v_expf(p, 88.5f), big, 4e-7 * big);
    EXPECT_TRUE(std::isnan(v_expf(p, std::numeric_limits<float>::quiet_NaN())));
  }
}

// The Zen4 form's final scaling j * 2^n (vscalefps) is bit for bit std::ldexp's single rounding,
// also where the result is subnormal (x below about -87.3) or overflows: ggml_v_expf's AVX-512
// steps written out here with std::ldexp as the reference.
TEST(Exp, Zen4ScalingIsLdexp) {
  const auto reference = [](float x) {
    const float z = std::fma(x, 0x1.715476p+0f, 0x1.8p23f);
    const float n = z - 0x1.8p23f;
    const float b = std::fma(-n, 0x1.7f7d1cp-20f, std::fma(-n, 0x1.62e4p-1f, x));
    const float u = b * b;
    const float high = std::fma(std::fma(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u,
                                std::fma(0x1.555e66p-3f, b, 0x1.fffdb6p-2f));
    const float j = std::fma(high, u, std::fma(0x1.ffffecp-1f, b, 1.0f));
    if (std::fabs(n) > 192.0f) return n <= 0.0f ? 0.0f : kInf;
    return std::ldexp(j, static_cast<int>(n));
  };
  int subnormal = 0;
  for (float x = -135.0f; x < 100.0f; x += 0.0137f) {
    const float got = v_expf(CpuProfile::Zen4, x);
    subnormal += std::fpclassify(got) == FP_SUBNORMAL ? 1 : 0;
    ASSERT_EQ(std::bit_cast<uint32_t>(got), std::bit_cast<uint32_t>(reference(x))) << x;
  }
  EXPECT_GT(subnormal, 100);  // the sweep reaches the rounding of subnormal results
}

// The two forms differ only in the last bit, and only for some inputs (§5.5).
TEST(Exp, HaswellAndZen4FormsDifferInTheLastBitOnly) {
  int differ = 0;
  for (float x = -80.0f; x < 80.0f; x += 0.0137f) {
    const float a = v_expf(CpuProfile::Haswell, x), b = v_expf(CpuProfile::Zen4, x);
    EXPECT_LE(std::fabs(a - b), std::ldexp(std::fabs(b), -23)) << x;
    differ += a != b;
  }
  EXPECT_GT(differ, 0);
}

TEST(Softmax, MatchesDoubleAndMaskedCellsAreExactZero) {
  for (size_t n : {1u, 5u, 16u, 37u, 256u}) {
    std::vector<float> w = test_data::random_vector(n, n, 4.0f);
    if (n > 2) w[1] = -kInf;
    const std::vector<float> in = w;
    softmax(CpuProfile::Haswell, w);
    std::vector<float> w16 = in;
    softmax(CpuProfile::Zen4, w16);
    double mx = -1e300, sum = 0.0;
    for (float v : in) mx = std::max(mx, static_cast<double>(v));
    for (float v : in) sum += std::exp(v - mx);
    for (size_t i = 0; i < n; ++i) {
      const double ref = std::exp(in[i] - mx) / sum;
      EXPECT_NEAR(w[i], ref, 1e-6 * ref + 1e-12) << n << " " << i;
      EXPECT_NEAR(w16[i], ref, 1e-6 * ref + 1e-12) << n << " " << i;
    }
    if (n > 2) {
      EXPECT_EQ(w[1], 0.0f);
    }
  }
}

TEST(Softmax, MaskedPaddingDoesNotChangeTheProbabilities) {
  // llama.cpp runs over 256 cells; cells beyond the used ones are -inf. Padding an 8- or 16-lane
  // block with -inf adds exact zeros, so 20 used cells give the same bits in 32 or 256 cells.
  for (const CpuProfile p : test_data::kAllProfiles) {
    std::vector<float> a = test_data::random_vector(32, 8), b(256, -kInf);
    std::fill(a.begin() + 20, a.end(), -kInf);
    std::copy(a.begin(), a.end(), b.begin());
    softmax(p, a);
    softmax(p, b);
    for (size_t i = 0; i < 32; ++i) EXPECT_EQ(a[i], b[i]);
  }
}

TEST(Swiglu, MatchesDoubleInBodyAndTail) {
  const size_t n = 16 * 3 + 7;
  const std::vector<float> g = test_data::random_vector(n, 9, 4.0f),
                           u = test_data::random_vector(n, 10);
  for (const CpuProfile p : test_data::kAllProfiles) {
    std::vector<float> out(n);
    swiglu(p, g, u, out);
    for (size_t i = 0; i < n; ++i) {
      const double silu = g[i] / (1.0 + std::exp(-static_cast<double>(g[i])));
      EXPECT_NEAR(out[i], silu * u[i], 1e-6 * std::fabs(silu * u[i]) + 1e-12) << i;
    }
    EXPECT_EQ(v_silu(p, 0.0f), 0.0f);
  }
  EXPECT_EQ(silu_tail(0.0f), 0.0f);
}

TEST(Add, IsElementwise) {
  const std::vector<float> a = {1.0f, 2.0f, 0.1f}, b = {0.5f, -2.0f, 0.2f};
  std::vector<float> out(3);
  add(a, b, out);
  EXPECT_EQ(out, (std::vector<float>{1.5f, 0.0f, 0.1f + 0.2f}));
}

}  // namespace
}  // namespace etchsim::numerics
