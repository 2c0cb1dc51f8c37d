#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "etchsim/gguf/fp16.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace etchsim::gguf {
namespace {

float from_bits(uint32_t u) { return std::bit_cast<float>(u); }
bool is_f16_nan(uint16_t h) { return (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0; }

TEST(Fp16, KnownValues) {
  EXPECT_EQ(fp32_to_fp16(0.0f), 0x0000);
  EXPECT_EQ(fp32_to_fp16(-0.0f), 0x8000);
  EXPECT_EQ(fp32_to_fp16(1.0f), 0x3c00);
  EXPECT_EQ(fp32_to_fp16(-2.0f), 0xc000);
  EXPECT_EQ(fp32_to_fp16(0.5f), 0x3800);
  EXPECT_EQ(fp32_to_fp16(65504.0f), 0x7bff);
  EXPECT_EQ(fp16_to_fp32(0x3c00), 1.0f);
  EXPECT_EQ(fp16_to_fp32(0xc000), -2.0f);
  EXPECT_EQ(fp16_to_fp32(0x7bff), 65504.0f);
  EXPECT_EQ(fp16_to_fp32(0x0001), 0x1p-24f);
  EXPECT_EQ(fp16_to_fp32(0x03ff), 1023.0f * 0x1p-24f);
  EXPECT_EQ(fp16_to_fp32(0x0400), 0x1p-14f);
  EXPECT_EQ(fp16_to_fp32(0x7c00), std::numeric_limits<float>::infinity());
  EXPECT_EQ(fp16_to_fp32(0xfc00), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::signbit(fp16_to_fp32(0x8000)));
}

TEST(Fp16, RoundsToNearestEven) {
  EXPECT_EQ(fp32_to_fp16(1.0f + 0x1p-11f), 0x3c00);             // tie, down to even
  EXPECT_EQ(fp32_to_fp16(1.0f + 3 * 0x1p-11f), 0x3c02);         // tie, up to even
  EXPECT_EQ(fp32_to_fp16(1.0f + 0x1p-11f + 0x1p-20f), 0x3c01);  // above the tie
  EXPECT_EQ(fp32_to_fp16(-(1.0f + 3 * 0x1p-11f)), 0xbc02);
  EXPECT_EQ(fp32_to_fp16(2047.0f * 0x1p-11f + 0x1p-12f), 0x3c00);  // carry into the exponent
}

TEST(Fp16, OverflowsToInfinity) {
  EXPECT_EQ(fp32_to_fp16(65519.996f), 0x7bff);  // below the midpoint 65520
  EXPECT_EQ(fp32_to_fp16(65520.0f), 0x7c00);    // tie rounds to even = inf
  EXPECT_EQ(fp32_to_fp16(1e6f), 0x7c00);
  EXPECT_EQ(fp32_to_fp16(-1e30f), 0xfc00);
  EXPECT_EQ(fp32_to_fp16(std::numeric_limits<float>::infinity()), 0x7c00);
  EXPECT_EQ(fp32_to_fp16(-std::numeric_limits<float>::infinity()), 0xfc00);
}

TEST(Fp16, SubnormalsRoundCorrectly) {
  EXPECT_EQ(fp32_to_fp16(0x1p-24f), 0x0001);
  EXPECT_EQ(fp32_to_fp16(0x1p-25f), 0x0000);               // tie to even 0
  EXPECT_EQ(fp32_to_fp16(from_bits(0x33000001)), 0x0001);  // just above 2^-25
  EXPECT_EQ(fp32_to_fp16(3 * 0x1p-25f), 0x0002);           // 1.5 units: tie to 2
  EXPECT_EQ(fp32_to_fp16(5 * 0x1p-25f), 0x0002);           // 2.5 units: tie to 2
  EXPECT_EQ(fp32_to_fp16(1023.5f * 0x1p-24f), 0x0400);     // carry to the first normal
  EXPECT_EQ(fp32_to_fp16(-0x1p-24f), 0x8001);
  EXPECT_EQ(fp32_to_fp16(0x1p-26f), 0x0000);
  EXPECT_EQ(fp32_to_fp16(-0x1p-30f), 0x8000);
  EXPECT_EQ(fp32_to_fp16(std::numeric_limits<float>::denorm_min()), 0x0000);
}

TEST(Fp16, NanStaysNan) {
  EXPECT_EQ(fp32_to_fp16(from_bits(0x7fc00000)), 0x7e00);
  EXPECT_EQ(fp32_to_fp16(from_bits(0xffc00000)), 0xfe00);
  // A signalling NaN keeps its top payload bits and becomes quiet, as vcvtps2ph does.
  EXPECT_EQ(fp32_to_fp16(from_bits(0x7fa00000)), 0x7f00);
  // Payload only in bits the conversion drops: still a NaN.
  EXPECT_TRUE(is_f16_nan(fp32_to_fp16(from_bits(0x7f800001))));
  EXPECT_TRUE(std::isnan(fp16_to_fp32(0x7e00)));
  EXPECT_TRUE(std::isnan(fp16_to_fp32(0xfc01)));
}

TEST(Fp16, EveryHalfRoundTrips) {
  for (uint32_t h = 0; h <= 0xffff; ++h) {
    const auto h16 = static_cast<uint16_t>(h);
    if (is_f16_nan(h16)) {
      EXPECT_TRUE(is_f16_nan(fp32_to_fp16(fp16_to_fp32(h16))));
    } else {
      ASSERT_EQ(fp32_to_fp16(fp16_to_fp32(h16)), h16) << std::hex << h;
    }
  }
}

// Between each pair of adjacent finite halves: just below the midpoint rounds down, just above
// rounds up, the midpoint itself goes to the even one.
TEST(Fp16, EveryMidpointRoundsToEven) {
  for (uint16_t h = 0; h < 0x7bff; ++h) {
    const float lo = fp16_to_fp32(h);
    const float hi = fp16_to_fp32(static_cast<uint16_t>(h + 1));
    const float mid = lo + (hi - lo) / 2;  // exact: one bit more than binary16
    const uint16_t even = (h & 1) ? static_cast<uint16_t>(h + 1) : h;
    ASSERT_EQ(fp32_to_fp16(mid), even) << std::hex << h;
    ASSERT_EQ(fp32_to_fp16(std::nextafter(mid, 0.0f)), h) << std::hex << h;
    ASSERT_EQ(fp32_to_fp16(std::nextafter(mid, hi)), h + 1) << std::hex << h;
    ASSERT_EQ(fp32_to_fp16(-mid), even | 0x8000) << std::hex << h;
  }
}

#if defined(__x86_64__)
[[gnu::target("f16c")]] uint16_t f16c_convert(float f) {
  return static_cast<uint16_t>(_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT));
}

// ggml's CPU path converts with F16C (cvtps_ph imm 0); compare a sweep of all binary32 values.
TEST(Fp16, MatchesF16cOnSweep) {
  if (!__builtin_cpu_supports("f16c")) GTEST_SKIP() << "no F16C";
  for (uint64_t u = 0; u <= 0xffffffffu; u += 997) {
    const float f = from_bits(static_cast<uint32_t>(u));
    ASSERT_EQ(fp32_to_fp16(f), f16c_convert(f)) << std::hex << u;
  }
}
#endif

TEST(Bf16, RoundsToNearestEven) {
  EXPECT_EQ(fp32_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(fp32_to_bf16(from_bits(0x3f808000)), 0x3f80);  // tie, down to even
  EXPECT_EQ(fp32_to_bf16(from_bits(0x3f818000)), 0x3f82);  // tie, up to even
  EXPECT_EQ(fp32_to_bf16(from_bits(0x3f808001)), 0x3f81);
  EXPECT_EQ(fp32_to_bf16(from_bits(0x3f807fff)), 0x3f80);
  EXPECT_EQ(fp32_to_bf16(-1.0f), 0xbf80);
  EXPECT_EQ(fp32_to_bf16(std::numeric_limits<float>::max()), 0x7f80);  // rounds to inf
  EXPECT_EQ(fp32_to_bf16(std::numeric_limits<float>::infinity()), 0x7f80);
  EXPECT_EQ(bf16_to_fp32(0x3f80), 1.0f);
  EXPECT_EQ(bf16_to_fp32(0xc040), -3.0f);
}

TEST(Bf16, NanSetsTheQuietBit) {
  // §4.3: NaN -> (bits >> 16) | 0x40, without rounding.
  EXPECT_EQ(fp32_to_bf16(from_bits(0x7fc00000)), 0x7fc0);
  EXPECT_EQ(fp32_to_bf16(from_bits(0x7f800001)), 0x7fc0);
  EXPECT_EQ(fp32_to_bf16(from_bits(0xff81ffff)), 0xffc1);
  EXPECT_EQ(fp32_to_bf16(from_bits(0x7fbfffff)), 0x7fff);
}

TEST(Bf16, EveryBf16RoundTrips) {
  for (uint32_t h = 0; h <= 0xffff; ++h) {
    const auto h16 = static_cast<uint16_t>(h);
    const bool nan = (h16 & 0x7f80) == 0x7f80 && (h16 & 0x7f) != 0;
    const uint16_t want = nan ? static_cast<uint16_t>(h16 | 0x40) : h16;
    ASSERT_EQ(fp32_to_bf16(bf16_to_fp32(h16)), want) << std::hex << h;
  }
}

}  // namespace
}  // namespace etchsim::gguf
