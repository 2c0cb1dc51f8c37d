// Weight quantisers: ggml's reference rounding for Q8_0 / Q4_0 / Q5_0, round-trip error bounds
// for every supported type, and exact inverse packing for the K-quants (blocks whose values the
// quantiser can represent exactly must come back byte for byte). Bit-exactness with ggml's
// quantize_row_*_ref is checked against llama-quantize itself (tests/quant/oracle_tests.cmake).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>
#include <vector>

#include "etchsim/gguf/blocks.hpp"
#include "etchsim/gguf/dequantize.hpp"
#include "etchsim/gguf/fp16.hpp"
#include "etchsim/gguf/quantize.hpp"

namespace etchsim::gguf {
namespace {

const GgmlType kSupported[] = {GgmlType::F32,  GgmlType::F16,  GgmlType::BF16,
                               GgmlType::Q8_0, GgmlType::Q4_0, GgmlType::Q5_0,
                               GgmlType::Q4_K, GgmlType::Q3_K, GgmlType::Q6_K};

std::vector<float> gaussian(size_t n, uint32_t seed, float stddev) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, stddev);
  std::vector<float> x(n);
  for (float& v : x) v = dist(rng);
  return x;
}

std::vector<std::byte> quant(GgmlType type, const std::vector<float>& x) {
  std::vector<std::byte> bytes(row_bytes(type, static_cast<int64_t>(x.size())));
  quantize(type, x, bytes);
  return bytes;
}

std::vector<float> dequant(GgmlType type, const std::vector<std::byte>& bytes, size_t n) {
  std::vector<float> out(n);
  dequantize(type, bytes, out);
  return out;
}

std::vector<float> round_trip(GgmlType type, const std::vector<float>& x) {
  return dequant(type, quant(type, x), x.size());
}

double relative_rms_error(const std::vector<float>& got, const std::vector<float>& want) {
  double err = 0.0, ref = 0.0;
  for (size_t i = 0; i < want.size(); ++i) {
    err += (double(got[i]) - want[i]) * (double(got[i]) - want[i]);
    ref += double(want[i]) * want[i];
  }
  return std::sqrt(err / ref);
}

template <class Block>
std::vector<std::byte> bytes_of(const std::vector<Block>& blocks) {
  std::vector<std::byte> bytes(blocks.size() * sizeof(Block));
  std::memcpy(bytes.data(), blocks.data(), bytes.size());
  return bytes;
}

TEST(Quantize, SupportedTypes) {
  for (GgmlType t : kSupported) EXPECT_TRUE(can_quantize(t)) << traits(t).name;
  for (GgmlType t : {GgmlType::Q4_1, GgmlType::Q5_1, GgmlType::Q2_K, GgmlType::Q5_K, GgmlType::Q8_1,
                     GgmlType::Q8_K, GgmlType::IQ4_NL}) {
    EXPECT_FALSE(can_quantize(t)) << traits(t).name;
    std::vector<std::byte> out(static_cast<size_t>(traits(t).block_bytes));
    std::vector<float> x(static_cast<size_t>(traits(t).block_elems));
    EXPECT_THROW(quantize(t, x, out), std::invalid_argument) << traits(t).name;
  }
}

TEST(Quantize, RejectsBadSizesAndNonFiniteValues) {
  std::vector<float> x(256, 1.0f);
  std::vector<std::byte> out(1024);
  EXPECT_THROW(quantize(GgmlType::Q4_0, std::span(x).first(48), std::span(out).first(27)),
               std::invalid_argument);
  EXPECT_THROW(quantize(GgmlType::Q4_K, x, std::span(out).first(143)), std::invalid_argument);
  EXPECT_THROW(quantize(GgmlType::Q8_0, std::span(x).first(32), std::span(out).first(35)),
               std::invalid_argument);
  x[7] = NAN;
  EXPECT_THROW(quantize(GgmlType::Q6_K, x, std::span(out).first(210)), std::invalid_argument);
  x[7] = INFINITY;
  EXPECT_THROW(quantize(GgmlType::Q8_0, std::span(x).first(32), std::span(out).first(34)),
               std::invalid_argument);
  EXPECT_NO_THROW(quantize(GgmlType::F16, std::span(x).first(32), std::span(out).first(64)));
}

TEST(Quantize, FloatTypesConvertEachElement) {
  const std::vector<float> x = {1.0f, -3.14159f, 1e-6f, 70000.0f, -0.0f, 2.5e-8f};
  const std::vector<std::byte> f32 = quant(GgmlType::F32, x);
  EXPECT_EQ(std::memcmp(f32.data(), x.data(), f32.size()), 0);
  const std::vector<std::byte> f16 = quant(GgmlType::F16, x);
  const std::vector<std::byte> bf16 = quant(GgmlType::BF16, x);
  for (size_t i = 0; i < x.size(); ++i) {
    uint16_t h = 0, b = 0;
    std::memcpy(&h, f16.data() + 2 * i, 2);
    std::memcpy(&b, bf16.data() + 2 * i, 2);
    EXPECT_EQ(h, fp32_to_fp16(x[i])) << i;
    EXPECT_EQ(b, fp32_to_bf16(x[i])) << i;
  }
}

TEST(Quantize, Q8_0RoundsHalfAwayFromZero) {
  std::vector<float> x(32, 0.0f);
  x[0] = 127.0f;  // amax: d = 1, id = 1
  x[1] = 2.5f;
  x[2] = -2.5f;
  x[3] = 0.5f;
  x[4] = 1.49f;
  x[5] = -63.5f;
  BlockQ8_0 b;
  const std::vector<std::byte> bytes = quant(GgmlType::Q8_0, x);
  std::memcpy(&b, bytes.data(), sizeof b);
  EXPECT_EQ(b.d, 0x3c00);
  EXPECT_EQ(b.qs[0], 127);
  EXPECT_EQ(b.qs[1], 3);
  EXPECT_EQ(b.qs[2], -3);
  EXPECT_EQ(b.qs[3], 1);
  EXPECT_EQ(b.qs[4], 1);
  EXPECT_EQ(b.qs[5], -64);
  EXPECT_EQ(b.qs[6], 0);
}

TEST(Quantize, Q4_0ScaleFromSignedMaxTruncatingCodes) {
  std::vector<float> x(32, 0.0f);
  x[3] = -8.0f;  // the first value of largest magnitude: d = -8 / -8 = 1
  x[10] = 8.0f;  // same magnitude, later: 8 + 8.5 = 16.5 -> 16 -> clamped to 15
  x[4] = 7.0f;
  x[5] = 0.5f;     // 9.0 -> 9
  x[6] = 0.4999f;  // 8.9999 -> 8
  x[17] = -0.5f;   // 8.0 -> 8
  x[18] = -0.51f;  // 7.99 -> 7
  BlockQ4_0 b;
  const std::vector<std::byte> bytes = quant(GgmlType::Q4_0, x);
  std::memcpy(&b, bytes.data(), sizeof b);
  EXPECT_EQ(b.d, 0x3c00);
  auto code = [&](int e) { return e < 16 ? b.qs[e] & 15 : b.qs[e - 16] >> 4; };
  EXPECT_EQ(code(3), 0);
  EXPECT_EQ(code(10), 15);
  EXPECT_EQ(code(4), 15);
  EXPECT_EQ(code(5), 9);
  EXPECT_EQ(code(6), 8);
  EXPECT_EQ(code(17), 8);
  EXPECT_EQ(code(18), 7);
  EXPECT_EQ(code(0), 8);

  // A positive maximum gives a negative d.
  std::vector<float> y(32, 0.0f);
  y[0] = 4.0f;
  y[1] = -4.0f;
  std::memcpy(&b, quant(GgmlType::Q4_0, y).data(), sizeof b);
  EXPECT_EQ(fp16_to_fp32(b.d), -0.5f);
  EXPECT_EQ(code(0), 0);   // 4 * -2 + 8.5 = 0.5 -> 0
  EXPECT_EQ(code(1), 15);  // -4 * -2 + 8.5 = 16.5 -> clamped
}

TEST(Quantize, Q5_0ScaleFromSignedMaxFifthBitInQh) {
  std::vector<float> x(32, 0.0f);
  x[2] = -16.0f;  // d = -16 / -16 = 1
  x[3] = 15.0f;   // 15 + 16.5 = 31.5 -> 31
  x[20] = 0.5f;   // 17.0 -> 17: fifth bit set
  x[21] = -0.6f;  // 15.9 -> 15
  BlockQ5_0 b;
  std::memcpy(&b, quant(GgmlType::Q5_0, x).data(), sizeof b);
  EXPECT_EQ(b.d, 0x3c00);
  uint32_t qh = 0;
  std::memcpy(&qh, b.qh, sizeof qh);
  auto code = [&](int e) {
    const int low = e < 16 ? b.qs[e] & 15 : b.qs[e - 16] >> 4;
    return low | static_cast<int>((qh >> e) & 1u) << 4;
  };
  EXPECT_EQ(code(2), 0);
  EXPECT_EQ(code(3), 31);
  EXPECT_EQ(code(20), 17);
  EXPECT_EQ(code(21), 15);
  EXPECT_EQ(code(0), 16);
}

TEST(Quantize, RoundTripErrorIsSmall) {
  struct Bound {
    GgmlType type;
    double max_rel_rms;
  };
  const Bound bounds[] = {{GgmlType::F32, 0.0},   {GgmlType::F16, 3e-4},  {GgmlType::BF16, 3e-3},
                          {GgmlType::Q8_0, 0.01}, {GgmlType::Q6_K, 0.03}, {GgmlType::Q4_0, 0.12},
                          {GgmlType::Q5_0, 0.06}, {GgmlType::Q4_K, 0.10}, {GgmlType::Q3_K, 0.20}};
  for (float stddev : {1.0f, 0.02f}) {
    const std::vector<float> x = gaussian(256 * 64, 7, stddev);
    for (const Bound& b : bounds) {
      const double err = relative_rms_error(round_trip(b.type, x), x);
      EXPECT_LE(err, b.max_rel_rms) << traits(b.type).name << " stddev " << stddev;
      RecordProperty(std::string(traits(b.type).name) + "_rel_rms_sd" + std::to_string(stddev),
                     std::to_string(err));
    }
  }
}

// A row whose sub-blocks have very different magnitudes, as real weights can: the small
// sub-blocks keep a small relative error thanks to their own scales.
TEST(Quantize, KQuantsFollowSubBlockMagnitudes) {
  struct Case {
    GgmlType type;
    size_t sub_block;
  };
  for (const Case c :
       {Case{GgmlType::Q3_K, 16}, Case{GgmlType::Q4_K, 32}, Case{GgmlType::Q6_K, 16}}) {
    std::vector<float> x = gaussian(256 * 8, 11, 1.0f);
    auto small = [&](size_t i) { return (i / c.sub_block) % 3 == 0; };
    for (size_t i = 0; i < x.size(); ++i) x[i] *= small(i) ? 0.05f : 1.0f;
    const std::vector<float> y = round_trip(c.type, x);
    std::vector<float> small_x, small_y;
    for (size_t i = 0; i < x.size(); ++i) {
      if (small(i)) {
        small_x.push_back(x[i]);
        small_y.push_back(y[i]);
      }
    }
    EXPECT_LE(relative_rms_error(small_y, small_x), 0.5) << traits(c.type).name;
  }
}

TEST(Quantize, AllZeroBlocksDequantizeToZero) {
  const std::vector<float> zeros(512, 0.0f);
  for (GgmlType t : kSupported) {
    for (float v : round_trip(t, zeros)) ASSERT_EQ(v, 0.0f) << traits(t).name;
  }
}

TEST(Quantize, LegacyRequantizationIsStable) {
  const std::vector<float> x = gaussian(32 * 64, 3, 0.7f);
  for (GgmlType t : {GgmlType::Q8_0, GgmlType::Q4_0}) {
    const std::vector<std::byte> q1 = quant(t, x);
    const std::vector<std::byte> q2 = quant(t, dequant(t, q1, x.size()));
    EXPECT_EQ(q1, q2) << traits(t).name;
  }
}

TEST(Quantize, KQuantRequantizationIsNearlyLossless) {
  const std::vector<float> x = gaussian(256 * 32, 5, 1.0f);
  for (GgmlType t : {GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q6_K}) {
    const std::vector<float> x1 = round_trip(t, x);
    const std::vector<float> x2 = round_trip(t, x1);
    const double first = relative_rms_error(x1, x);
    const double second = relative_rms_error(x2, x1);
    EXPECT_LE(second, 0.25 * first) << traits(t).name;
  }
}

// ------------------------------------------------ exact inverse packing of the K-quants

class ExactPacking : public ::testing::Test {
 protected:
  std::mt19937 m_rng{2024};
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(m_rng); }
  int nonzero(int lo, int hi) {
    int v = 0;
    while (v == 0) v = pick(lo, hi);
    return v;
  }

  // Dequantises blocks and checks that quantising the values gives the same bytes.
  template <class Block>
  void expect_inverse(GgmlType type, const std::vector<Block>& blocks) {
    const std::vector<std::byte> bytes = bytes_of(blocks);
    const size_t n = blocks.size() * static_cast<size_t>(kQKK);
    const std::vector<float> values = dequant(type, bytes, n);
    const std::vector<std::byte> again = quant(type, values);
    ASSERT_EQ(again.size(), bytes.size());
    for (size_t i = 0; i < bytes.size(); ++i) {
      ASSERT_EQ(again[i], bytes[i])
          << traits(type).name << " block " << i / sizeof(Block) << " byte " << i % sizeof(Block);
    }
  }
};

// Codes in -32..31 with a -32 in every sub-block (the largest magnitude), int8 scales with one
// -128 (the largest), so d, every scale and every code can be recovered exactly.
TEST_F(ExactPacking, Q6_K) {
  std::vector<BlockQ6_K> blocks(16);
  for (BlockQ6_K& b : blocks) {
    b = BlockQ6_K{};
    b.d =
        fp32_to_fp16(std::ldexp(1.0f + static_cast<float>(pick(0, 1023)) / 1024.0f, -pick(8, 14)));
    for (int8_t& s : b.scales) s = static_cast<int8_t>(nonzero(-127, 127));
    b.scales[pick(0, 15)] = -128;
    std::vector<int> q(256);
    for (int& v : q) v = pick(-31, 31);
    for (int s = 0; s < 16; ++s) q[16 * s + pick(0, 15)] = -32;
    for (int e = 0; e < 256; ++e) {
      const int u = q[e] + 32;
      const int h = e / 128, k = (e % 128) / 32, l = e % 32;
      b.ql[64 * h + l + 32 * (k & 1)] |= static_cast<uint8_t>((u & 15) << (k < 2 ? 0 : 4));
      b.qh[32 * h + l] |= static_cast<uint8_t>((u >> 4) << (2 * k));
    }
  }
  expect_inverse(GgmlType::Q6_K, blocks);
}

// Codes in -4..3 with a -4 in every sub-block, 6-bit scales with one -32.
TEST_F(ExactPacking, Q3_K) {
  std::vector<BlockQ3_K> blocks(16);
  for (BlockQ3_K& b : blocks) {
    b = BlockQ3_K{};
    b.d =
        fp32_to_fp16(std::ldexp(1.0f + static_cast<float>(pick(0, 1023)) / 1024.0f, -pick(4, 10)));
    std::vector<int> scale(16), q(256);
    for (int& s : scale) s = nonzero(-31, 31);
    scale[pick(0, 15)] = -32;
    for (int i = 0; i < 16; ++i) {
      const int u = scale[i] + 32;
      b.scales[i % 8] |= static_cast<uint8_t>((u & 15) << (i < 8 ? 0 : 4));
      b.scales[8 + i % 4] |= static_cast<uint8_t>((u >> 4) << (2 * (i / 4)));
    }
    for (int& v : q) v = pick(-3, 3);
    for (int s = 0; s < 16; ++s) q[16 * s + pick(0, 15)] = -4;
    for (int e = 0; e < 256; ++e) {
      const int h = e / 128, j = (e % 128) / 32, l = e % 32;
      b.qs[32 * h + l] |= static_cast<uint8_t>((q[e] & 3) << (2 * j));
      if (q[e] >= 0) b.hmask[l] |= static_cast<uint8_t>(1 << (4 * h + j));
    }
  }
  expect_inverse(GgmlType::Q3_K, blocks);
}

// Codes 0..15 with a 0 and a 15 in every sub-block, scales >= 1 with one 63, mins with one 63:
// exercises both get_scale_min_k4 branches.
TEST_F(ExactPacking, Q4_K) {
  std::vector<BlockQ4_K> blocks(16);
  for (BlockQ4_K& b : blocks) {
    b = BlockQ4_K{};
    b.d =
        fp32_to_fp16(std::ldexp(1.0f + static_cast<float>(pick(0, 1023)) / 1024.0f, -pick(6, 12)));
    b.dmin =
        fp32_to_fp16(std::ldexp(1.0f + static_cast<float>(pick(0, 1023)) / 1024.0f, -pick(6, 12)));
    std::vector<int> sc(8), m(8), q(256);
    for (int s = 0; s < 8; ++s) {
      sc[s] = pick(1, 63);
      m[s] = pick(0, 63);
    }
    sc[pick(0, 7)] = 63;
    m[pick(0, 7)] = 63;
    for (int s = 0; s < 8; ++s) {
      if (s < 4) {
        b.scales[s] |= static_cast<uint8_t>(sc[s]);
        b.scales[s + 4] |= static_cast<uint8_t>(m[s]);
      } else {
        b.scales[s + 4] |= static_cast<uint8_t>((sc[s] & 15) | (m[s] & 15) << 4);
        b.scales[s - 4] |= static_cast<uint8_t>((sc[s] >> 4) << 6);
        b.scales[s] |= static_cast<uint8_t>((m[s] >> 4) << 6);
      }
    }
    for (int& v : q) v = pick(0, 15);
    for (int s = 0; s < 8; ++s) {
      const int a = pick(0, 31);
      const int z = (a + pick(1, 31)) % 32;
      q[32 * s + a] = 0;
      q[32 * s + z] = 15;
    }
    for (int e = 0; e < 256; ++e) {
      const int c = e / 64, r = e % 64;
      b.qs[32 * c + r % 32] |= static_cast<uint8_t>(q[e] << (r < 32 ? 0 : 4));
    }
  }
  expect_inverse(GgmlType::Q4_K, blocks);
}

}  // namespace
}  // namespace etchsim::gguf
