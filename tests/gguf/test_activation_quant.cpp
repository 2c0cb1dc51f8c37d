// Activation quantisation as ggml's x86 CPU path runs it (docs/formats.md §4.3, pitfall §8.6).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include "etchsim/gguf/fp16.hpp"
#include "etchsim/gguf/quantize.hpp"

namespace etchsim::gguf {
namespace {

std::vector<float> gaussian(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> x(n);
  for (float& v : x) v = dist(rng);
  return x;
}

// amax = 127 makes id = 1 on both paths, so x*id = x exactly and .5 values are ties.
std::vector<float> tie_block() {
  std::vector<float> x(32, 0.0f);
  x[0] = 127.0f;
  x[1] = 2.5f;
  x[2] = -2.5f;
  x[3] = 0.5f;
  x[4] = 3.5f;
  x[5] = -0.5f;
  x[6] = 126.5f;
  return x;
}

TEST(ActivationQ8_0, TiesRoundHalfToEven) {
  std::vector<BlockQ8_0> out(1);
  quantize_activation_q8_0(tie_block(), out);
  EXPECT_EQ(out[0].d, 0x3c00);
  const int want[] = {127, 2, -2, 0, 4, 0, 126};
  for (int j = 0; j < 7; ++j) EXPECT_EQ(out[0].qs[j], want[j]) << j;
}

TEST(ActivationQ8_0Ref, TiesRoundHalfAwayFromZero) {
  std::vector<BlockQ8_0> out(1);
  quantize_activation_q8_0_ref(tie_block(), out);
  EXPECT_EQ(out[0].d, 0x3c00);
  const int want[] = {127, 3, -3, 1, 4, -1, 127};
  for (int j = 0; j < 7; ++j) EXPECT_EQ(out[0].qs[j], want[j]) << j;
}

// The x86 path uses id = fl(127/amax), the reference id = 1/fl(amax/127).
TEST(ActivationQ8_0, FollowsTheDocumentedFormulas) {
  const std::vector<float> x = gaussian(32 * 256, 1);
  std::vector<BlockQ8_0> simd(256), ref(256);
  quantize_activation_q8_0(x, simd);
  quantize_activation_q8_0_ref(x, ref);
  int differing = 0;
  for (size_t i = 0; i < 256; ++i) {
    float amax = 0.0f;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[32 * i + j]));
    const float d = amax / 127.0f;
    EXPECT_EQ(simd[i].d, fp32_to_fp16(d));
    EXPECT_EQ(ref[i].d, fp32_to_fp16(d));
    const float id_simd = 127.0f / amax;
    const float id_ref = 1.0f / d;
    for (int j = 0; j < 32; ++j) {
      const float v = x[32 * i + j];
      ASSERT_EQ(simd[i].qs[j], static_cast<int>(std::nearbyint(v * id_simd)));
      ASSERT_EQ(ref[i].qs[j], static_cast<int>(std::round(v * id_ref)));
      differing += simd[i].qs[j] != ref[i].qs[j];
    }
  }
  EXPECT_LT(differing, 32 * 256 / 100);  // the paths agree except near ties
}

TEST(ActivationQ8_0, ZeroBlock) {
  std::vector<BlockQ8_0> out(2);
  std::memset(out.data(), 0x55, sizeof(BlockQ8_0) * 2);
  quantize_activation_q8_0(std::vector<float>(64, 0.0f), out);
  quantize_activation_q8_0_ref(std::vector<float>(32, 0.0f), std::span(out).first(1));
  for (const BlockQ8_0& b : out) {
    EXPECT_EQ(b.d, 0);
    for (int8_t q : b.qs) EXPECT_EQ(q, 0);
  }
}

// Found by fuzz_model: a block whose largest value is subnormal makes id = 127 / amax infinite,
// so x * id is +-inf or NaN (0 * inf). Converting those to int8 was undefined behaviour (UBSan:
// "-nan is outside the range of representable values"); ggml's x86 path converts them with
// _mm256_cvtps_epi32 to INT32_MIN, which saturates to -128.
TEST(ActivationQ8_0, SubnormalMaxGivesIndefiniteCodes) {
  std::vector<float> x(32, 0.0f);
  x[0] = std::numeric_limits<float>::denorm_min();
  x[1] = -std::numeric_limits<float>::denorm_min();
  std::vector<BlockQ8_0> out(1);
  quantize_activation_q8_0(x, out);
  EXPECT_EQ(fp16_to_fp32(out[0].d), 0.0f);  // denorm_min / 127 underflows
  for (int j = 0; j < 32; ++j) EXPECT_EQ(out[0].qs[j], -128) << j;
  std::vector<BlockQ8_1> out1(1);
  quantize_activation_q8_1(x, out1);
  for (int j = 0; j < 32; ++j) EXPECT_EQ(out1[0].qs[j], -128) << j;
  // The scalar reference: 1 / d of a subnormal d is infinite too; gcc's conversion gives 0.
  x[0] = 1e-38f;  // d = 1e-38 / 127 is subnormal, 1 / d overflows
  x[1] = -1e-38f;
  quantize_activation_q8_0_ref(x, out);
  for (int j = 0; j < 32; ++j) EXPECT_EQ(out[0].qs[j], 0) << j;
}

TEST(ActivationQ8_1, SumUsesTheUnroundedScale) {
  // Find a block where fp16(d * sum) and fp16(fp16(d) * sum) differ, so the test can tell them
  // apart.
  bool distinguishing = false;
  for (uint32_t seed = 0; seed < 1000 && !distinguishing; ++seed) {
    const std::vector<float> x = gaussian(32, seed);
    std::vector<BlockQ8_1> out(1);
    quantize_activation_q8_1(x, out);
    std::vector<BlockQ8_0> q8_0(1);
    quantize_activation_q8_0(x, q8_0);
    ASSERT_EQ(out[0].d, q8_0[0].d);
    ASSERT_EQ(std::memcmp(out[0].qs, q8_0[0].qs, 32), 0);
    int sum = 0;
    for (int8_t q : out[0].qs) sum += q;
    float amax = 0.0f;
    for (float v : x) amax = std::max(amax, std::fabs(v));
    const float d = amax / 127.0f;
    ASSERT_EQ(out[0].s, fp32_to_fp16(d * static_cast<float>(sum))) << seed;
    distinguishing = fp32_to_fp16(d * static_cast<float>(sum)) !=
                     fp32_to_fp16(fp16_to_fp32(out[0].d) * static_cast<float>(sum));
  }
  EXPECT_TRUE(distinguishing);
}

// First strict maximum keeps its sign: iscale = -127/max, d = 1/iscale.
TEST(ActivationQ8_K, PositiveMaxGivesNegativeScale) {
  std::vector<float> x(256, 0.0f);
  x[5] = 2.0f;
  x[9] = -2.0f;  // same magnitude later: not a new maximum
  x[20] = 1.0f;
  std::vector<BlockQ8_K> out(1);
  quantize_activation_q8_k(x, out);
  EXPECT_EQ(out[0].d, 1.0f / (-127.0f / 2.0f));
  EXPECT_LT(out[0].d, 0.0f);
  EXPECT_EQ(out[0].qs[5], -127);
  EXPECT_EQ(out[0].qs[9], 127);
  EXPECT_EQ(out[0].qs[20], -64);  // -63.5 rounds half to even
  EXPECT_EQ(out[0].bsums[0], -127 + 127);
  EXPECT_EQ(out[0].bsums[1], -64);
}

TEST(ActivationQ8_K, NegativeMaxAndHalfEvenTies) {
  std::vector<float> x(256, 0.0f);
  x[0] = 1.0f;
  x[100] = -127.0f;  // max: iscale = 1
  x[101] = 127.0f;   // same magnitude later
  x[16] = 2.5f;      // tie -> 2
  x[17] = -2.5f;     // tie -> -2
  x[18] = 3.5f;      // tie -> 4
  x[255] = -0.5f;    // tie -> 0
  std::vector<BlockQ8_K> out(1);
  quantize_activation_q8_k(x, out);
  EXPECT_EQ(out[0].d, 1.0f);
  EXPECT_EQ(out[0].qs[0], 1);
  EXPECT_EQ(out[0].qs[100], -127);
  EXPECT_EQ(out[0].qs[101], 127);
  EXPECT_EQ(out[0].qs[16], 2);
  EXPECT_EQ(out[0].qs[17], -2);
  EXPECT_EQ(out[0].qs[18], 4);
  EXPECT_EQ(out[0].qs[255], 0);
  EXPECT_EQ(out[0].bsums[0], 1);
  EXPECT_EQ(out[0].bsums[1], 4);
  EXPECT_EQ(out[0].bsums[6], 0);
  EXPECT_EQ(out[0].bsums[15], 0);
}

TEST(ActivationQ8_K, BsumsAreGroupSumsAndValuesMatchFormula) {
  const std::vector<float> x = gaussian(256 * 4, 2);
  std::vector<BlockQ8_K> out(4);
  quantize_activation_q8_k(x, out);
  for (size_t i = 0; i < 4; ++i) {
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < 256; ++j) {
      if (std::fabs(x[256 * i + j]) > amax) {
        amax = std::fabs(x[256 * i + j]);
        max = x[256 * i + j];
      }
    }
    const float iscale = -127.0f / max;
    EXPECT_EQ(out[i].d, 1.0f / iscale);
    for (int k = 0; k < 16; ++k) {
      int sum = 0;
      for (int j = 0; j < 16; ++j) {
        const int q = out[i].qs[16 * k + j];
        EXPECT_EQ(
            q, std::min(127, static_cast<int>(std::nearbyint(iscale * x[256 * i + 16 * k + j]))));
        sum += q;
      }
      EXPECT_EQ(out[i].bsums[k], sum);
    }
  }
}

TEST(ActivationQ8_K, ZeroBlockIsAllZero) {
  std::vector<BlockQ8_K> out(1);
  std::memset(out.data(), 0x55, sizeof(BlockQ8_K));
  quantize_activation_q8_k(std::vector<float>(256, 0.0f), out);
  EXPECT_EQ(out[0].d, 0.0f);
  for (int8_t q : out[0].qs) EXPECT_EQ(q, 0);
  for (int16_t s : out[0].bsums) EXPECT_EQ(s, 0);
}

TEST(ActivationQuant, RejectsBadSizesAndNonFiniteValues) {
  std::vector<BlockQ8_0> q8_0(2);
  std::vector<BlockQ8_1> q8_1(2);
  std::vector<BlockQ8_K> q8_k(2);
  const std::vector<float> x48(48, 1.0f), x64(64, 1.0f), x512(512, 1.0f);
  EXPECT_THROW(quantize_activation_q8_0(x48, std::span(q8_0).first(1)), std::invalid_argument);
  EXPECT_THROW(quantize_activation_q8_0(x64, std::span(q8_0).first(1)), std::invalid_argument);
  EXPECT_THROW(quantize_activation_q8_0_ref(x48, q8_0), std::invalid_argument);
  EXPECT_THROW(quantize_activation_q8_1(x64, std::span(q8_1).first(1)), std::invalid_argument);
  EXPECT_THROW(quantize_activation_q8_k(x64, q8_k), std::invalid_argument);
  EXPECT_THROW(quantize_activation_q8_k(x512, std::span(q8_k).first(1)), std::invalid_argument);
  EXPECT_NO_THROW(quantize_activation_q8_k(x512, q8_k));
  std::vector<float> bad(64, 1.0f);
  bad[40] = NAN;
  EXPECT_THROW(quantize_activation_q8_0(bad, q8_0), std::invalid_argument);
  EXPECT_THROW(quantize_activation_q8_1(bad, q8_1), std::invalid_argument);
}

}  // namespace
}  // namespace etchsim::gguf
