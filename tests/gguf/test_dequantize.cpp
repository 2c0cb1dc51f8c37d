// Dequantisation against hand-made blocks (docs/formats.md §3): each test sets specific bytes
// and states the values the documented formula gives for them, so the index mappings (nibble
// order, qh bits, hmask bit index, 6-bit scale unpacking, Q6_K ql/qh split) are checked
// element by element. The *_RandomCodes tests pack random codes with a test-side encoder
// written from the same tables and check every element.
#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <random>
#include <stdexcept>
#include <vector>

#include "etchsim/gguf/blocks.hpp"
#include "etchsim/gguf/dequantize.hpp"
#include "etchsim/gguf/fp16.hpp"

namespace etchsim::gguf {
namespace {

// fp16 bit patterns of exactly representable values.
constexpr uint16_t kF16Quarter = 0x3400;       // 0.25
constexpr uint16_t kF16Half = 0x3800;          // 0.5
constexpr uint16_t kF16OneHalf = 0x3e00;       // 1.5
constexpr uint16_t kF16MinusQuarter = 0xb400;  // -0.25
constexpr uint16_t kF16Minus1_25 = 0xbd00;     // -1.25

// Dequantises the blocks, stored one byte off alignment as they can be in a GGUF file.
template <class Block>
std::vector<float> dequant(GgmlType type, const std::vector<Block>& blocks) {
  std::vector<std::byte> bytes(1 + blocks.size() * sizeof(Block));
  std::memcpy(bytes.data() + 1, blocks.data(), blocks.size() * sizeof(Block));
  std::vector<float> out(blocks.size() * static_cast<size_t>(traits(type).block_elems));
  dequantize(type, std::span<const std::byte>(bytes).subspan(1), out);
  return out;
}
template <class Block>
std::vector<float> dequant(GgmlType type, const Block& block) {
  return dequant(type, std::vector<Block>{block});
}

void expect_values(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t e = 0; e < want.size(); ++e) EXPECT_EQ(got[e], want[e]) << "element " << e;
}

// ---------------------------------------------------------------- 32-element blocks (§3.1)

TEST(Dequantize, Q4_0NibblesHoldJAndJPlus16) {
  BlockQ4_0 b{};
  b.d = kF16Half;
  std::memset(b.qs, 0x88, sizeof b.qs);  // code 8 -> 0
  b.qs[0] = 0x3A;                        // e0 = 10, e16 = 3
  b.qs[1] = 0x0F;                        // e1 = 15, e17 = 0
  b.qs[15] = 0xF0;                       // e15 = 0, e31 = 15
  std::vector<float> want(32, 0.0f);
  want[0] = (10 - 8) * 0.5f;
  want[16] = (3 - 8) * 0.5f;
  want[1] = (15 - 8) * 0.5f;
  want[17] = (0 - 8) * 0.5f;
  want[15] = -4.0f;
  want[31] = 3.5f;
  expect_values(dequant(GgmlType::Q4_0, b), want);
}

TEST(Dequantize, Q4_1AddsTheMin) {
  BlockQ4_1 b{};
  b.d = kF16Half;
  b.m = kF16Minus1_25;
  b.qs[2] = 0xF1;   // e2 = 1, e18 = 15
  b.qs[15] = 0x5C;  // e15 = 12, e31 = 5
  std::vector<float> want(32, -1.25f);
  want[2] = 0.5f - 1.25f;
  want[18] = 7.5f - 1.25f;
  want[15] = 6.0f - 1.25f;
  want[31] = 2.5f - 1.25f;
  expect_values(dequant(GgmlType::Q4_1, b), want);
}

TEST(Dequantize, Q5_0HighBitIsBitEOfLittleEndianQh) {
  BlockQ5_0 b{};
  b.d = kF16Quarter;
  b.qh[0] = 0x01;   // bit 0: e0
  b.qh[2] = 0x02;   // bit 17: e17 (bit 16, e16, stays clear)
  b.qh[3] = 0x80;   // bit 31: e31
  b.qs[0] = 0x37;   // e0 = 7 | 16, e16 = 3
  b.qs[1] = 0xF0;   // e1 = 0, e17 = 15 | 16
  b.qs[15] = 0x90;  // e15 = 0, e31 = 9 | 16
  std::vector<float> want(32, -16 * 0.25f);
  want[0] = (23 - 16) * 0.25f;
  want[16] = (3 - 16) * 0.25f;
  want[17] = (31 - 16) * 0.25f;
  want[31] = (25 - 16) * 0.25f;
  expect_values(dequant(GgmlType::Q5_0, b), want);
}

TEST(Dequantize, Q5_1HighBitAndMin) {
  BlockQ5_1 b{};
  b.d = kF16Half;
  b.m = kF16OneHalf;
  b.qh[0] = 0x20;   // bit 5: e5
  b.qh[1] = 0x10;   // bit 12: e12
  b.qh[3] = 0x40;   // bit 30: e30
  b.qs[5] = 0x02;   // e5 = 2 | 16, e21 = 0
  b.qs[12] = 0x0F;  // e12 = 15 | 16, e28 = 0
  b.qs[14] = 0xA0;  // e14 = 0, e30 = 10 | 16
  std::vector<float> want(32, 1.5f);
  want[5] = 18 * 0.5f + 1.5f;
  want[12] = 31 * 0.5f + 1.5f;
  want[30] = 26 * 0.5f + 1.5f;
  expect_values(dequant(GgmlType::Q5_1, b), want);
}

TEST(Dequantize, Q8_0SignedCodesNegativeScale) {
  BlockQ8_0 b{};
  b.d = kF16MinusQuarter;
  b.qs[0] = -128;
  b.qs[1] = 127;
  b.qs[31] = -1;
  std::vector<float> want(32, 0.0f);
  want[0] = 32.0f;
  want[1] = -31.75f;
  want[31] = 0.25f;
  expect_values(dequant(GgmlType::Q8_0, b), want);
}

// ------------------------------------------------------------------- K-quants (§3.2)

TEST(Dequantize, Q2_KTwoBitFieldsAndNibbleScales) {
  BlockQ2_K b{};
  b.d = kF16Half;
  b.dmin = kF16Quarter;
  b.scales[0] = 0x23;   // sub 0: scale 3, min 2
  b.scales[2] = 0xF1;   // sub 2: scale 1, min 15
  b.scales[12] = 0x0F;  // sub 12: scale 15, min 0
  b.scales[15] = 0x4A;  // sub 15: scale 10, min 4
  b.qs[0] = 0x02;       // e0 (h0 j0 l0): bits 0-1 = 2
  b.qs[5] = 0x0C;       // e37 (h0 j1 l5): bits 2-3 = 3
  b.qs[40] = 0x10;      // e200 (h1 j2 l8): qs[32+8] bits 4-5 = 1
  b.qs[63] = 0xC0;      // e255 (h1 j3 l31): bits 6-7 = 3
  std::vector<float> want(256, 0.0f);
  for (int e = 0; e < 16; ++e) want[e] = -0.25f * 2;
  for (int e = 32; e < 48; ++e) want[e] = -0.25f * 15;
  for (int e = 240; e < 256; ++e) want[e] = -0.25f * 4;
  want[0] = 0.5f * 3 * 2 - 0.25f * 2;
  want[37] = 0.5f * 1 * 3 - 0.25f * 15;
  want[200] = 0.5f * 15 * 1;
  want[255] = 0.5f * 10 * 3 - 0.25f * 4;
  expect_values(dequant(GgmlType::Q2_K, b), want);
}

TEST(Dequantize, Q3_KHmaskBitRunsOverTheSuperBlock) {
  BlockQ3_K b{};
  b.d = kF16Quarter;
  std::memset(b.hmask, 0xFF, sizeof b.hmask);  // high bit set: q = q2 (= 0 unless set below)
  // Scale bytes all zero: every S_s = 0 - 32 = -32 unless set below.
  b.qs[0] = 0x03;        // e0 (h0 j0 l0): q2 = 3 ...
  b.hmask[0] = 0xFE;     // ... and hmask[0] bit 0 clear: q = 3 - 4 = -1
  b.qs[37] = 0x08;       // e165 (h1 j1 l5): qs[32+5] bits 2-3 = 2; hmask[5] bit 5 set: q = 2
  b.scales[2] = 0xB0;    // S_10: low4 = B[2] >> 4 = 0xB ...
  b.scales[10] = 0x20;   // ... hi2 = (B[8 + 10%4] >> 2*(10/4)) & 3 = 2: S_10 = 0x2B - 32 = 11
  b.qs[4] = 0x40;        // e100 (h0 j3 l4): bits 6-7 = 1; hmask[4] bit 3 set: q = 1
  b.scales[6] = 0x05;    // S_6: low4 = 5 ...
  b.scales[10] |= 0x04;  // ... hi2 = (B[10] >> 2) & 3 = 1: S_6 = 0x15 - 32 = -11
  b.hmask[4] = 0xEF;     // e132 (h1 j0 l4): bit 4 clear: q = 0 - 4 = -4, S_8 = -32
  b.hmask[31] = 0x7F;    // e255 (h1 j3 l31): bit 7 clear, q2 = 0: q = -4
  b.scales[7] = 0xF0;    // S_15: low4 = B[7] >> 4 = 15 ...
  b.scales[11] = 0xC0;   // ... hi2 = B[11] >> 6 = 3: S_15 = 63 - 32 = 31
  std::vector<float> want(256, 0.0f);
  want[0] = 0.25f * -32 * -1;
  want[165] = 0.25f * 11 * 2;
  want[100] = 0.25f * -11 * 1;
  want[132] = 0.25f * -32 * -4;
  want[255] = 0.25f * 31 * -4;
  expect_values(dequant(GgmlType::Q3_K, b), want);
}

// Scales for Q4_K / Q5_K covering get_scale_min_k4's s < 4 and s >= 4 branches.
BlockQ4_K q4_k_hand_block() {
  BlockQ4_K b{};
  b.d = kF16Half;
  b.dmin = kF16Quarter;
  b.scales[0] = 2;      // sub 0: scale 2
  b.scales[4] = 3;      // sub 0: min 3
  b.scales[1] = 0x81;   // sub 1: scale 1 (low 6 bits); bits 6-7 = 2: high bits of sub 5's scale
  b.scales[5] = 0x40;   // sub 1: min 0; bits 6-7 = 1: high bits of sub 5's min
  b.scales[9] = 0x37;   // sub 5: scale = 7 | 2 << 4 = 39, min = 3 | 1 << 4 = 19
  b.scales[10] = 0x21;  // sub 6: scale 1, min 2 (high bits in B[2], B[6]: 0)
  b.scales[11] = 0xF0;  // sub 7: scale low 0, min low 15
  b.scales[3] = 0xC0;   // sub 3: scale 0; sub 7's scale high bits 3: scale 48
  b.scales[7] = 0xC0;   // sub 3: min 0; sub 7's min high bits 3: min 63
  b.qs[0] = 0x05;       // e0 (c0 r0): low nibble 5
  b.qs[8] = 0x90;       // e40 (c0 r40): high nibble of qs[8] = 9
  b.qs[74] = 0x60;      // e170 (c2 r42): high nibble of qs[64 + 10] = 6
  b.qs[104] = 0x0A;     // e200 (c3 r8): low nibble of qs[96 + 8] = 10
  b.qs[127] = 0xF0;     // e255 (c3 r63): high nibble of qs[96 + 31] = 15
  return b;
}

// value = (d*sc)*q - dmin*m for the hand block, given q per element.
std::vector<float> q4_k_hand_values(const std::vector<int>& q) {
  struct Sm {
    int sc, m;
  };
  const Sm sm[8] = {{2, 3}, {1, 0}, {0, 0}, {0, 0}, {0, 0}, {39, 19}, {1, 2}, {48, 63}};
  std::vector<float> v(256);
  for (int e = 0; e < 256; ++e) {
    const Sm s = sm[e / 32];
    v[e] = 0.5f * static_cast<float>(s.sc) * static_cast<float>(q[e]) -
           0.25f * static_cast<float>(s.m);
  }
  return v;
}

TEST(Dequantize, Q4_KScaleMinK4BothBranches) {
  std::vector<int> q(256, 0);
  q[0] = 5;
  q[40] = 9;
  q[170] = 6;
  q[200] = 10;
  q[255] = 15;
  const std::vector<float> want = q4_k_hand_values(q);
  EXPECT_EQ(want[170], 0.5f * 39 * 6 - 0.25f * 19);
  EXPECT_EQ(want[255], 0.5f * 48 * 15 - 0.25f * 63);
  expect_values(dequant(GgmlType::Q4_K, q4_k_hand_block()), want);
}

TEST(Dequantize, Q5_KHighBitIsBitEOver32OfQhEMod32) {
  const BlockQ4_K b4 = q4_k_hand_block();
  BlockQ5_K b{};
  b.d = b4.d;
  b.dmin = b4.dmin;
  std::memcpy(b.scales, b4.scales, sizeof b.scales);
  std::memcpy(b.qs, b4.qs, sizeof b.qs);
  b.qh[0] = 0x81;   // e0 (bit 0) and e224 (bit 7)
  b.qh[8] = 0x02;   // e40: qh[40 % 32] bit 40 / 32
  b.qh[31] = 0x80;  // e255
  std::vector<int> q(256, 0);
  q[0] = 5 + 16;
  q[224] = 16;
  q[40] = 9 + 16;
  q[170] = 6;
  q[200] = 10;
  q[255] = 15 + 16;
  expect_values(dequant(GgmlType::Q5_K, b), q4_k_hand_values(q));
}

TEST(Dequantize, Q6_KSplitsLowAndHighBits) {
  BlockQ6_K b{};
  b.d = kF16Half;
  b.scales[0] = 3;
  b.scales[2] = -3;
  b.scales[4] = 127;
  b.scales[14] = -128;
  b.ql[0] = 0x0A;    // e0 (h0 k0 l0): lo = low nibble of ql[0]
  b.qh[0] = 0x02;    //   hi = qh[0] bits 0-1 = 2: q = (10 | 32) - 32 = 10
  b.ql[45] = 0x05;   // e45 (h0 k1 l13): lo = low nibble of ql[13 + 32] = 5
  b.qh[13] = 0x0C;   //   hi = qh[13] bits 2-3 = 3: q = (5 | 48) - 32 = 21
  b.ql[13] = 0xF0;   // e77 (h0 k2 l13): lo = high nibble of ql[13] = 15, hi = bits 4-5 = 0
  b.ql[102] = 0x10;  // e230 (h1 k3 l6): lo = high nibble of ql[64 + 6 + 32] = 1
  b.qh[38] = 0x40;   //   hi = qh[32 + 6] bits 6-7 = 1: q = (1 | 16) - 32 = -15
  std::vector<float> want(256, 0.0f);
  for (int e = 0; e < 16; ++e) want[e] = 0.5f * 3 * -32;  // code 0 -> -32
  for (int e = 32; e < 48; ++e) want[e] = 0.5f * -3 * -32;
  for (int e = 64; e < 80; ++e) want[e] = 0.5f * 127 * -32;
  for (int e = 224; e < 240; ++e) want[e] = 0.5f * -128 * -32;
  want[0] = 0.5f * 3 * 10;
  want[45] = 0.5f * -3 * 21;
  want[77] = 0.5f * 127 * -17;
  want[230] = 0.5f * -128 * -15;
  expect_values(dequant(GgmlType::Q6_K, b), want);
}

// ------------------------------------------- random codes, test-side encoders (§3.1, §3.2)

class RandomCodes : public ::testing::Test {
 protected:
  std::mt19937 m_rng{12345};
  int code(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(m_rng); }
  uint16_t half_in(float lo, float hi) {
    return fp32_to_fp16(std::uniform_real_distribution<float>(lo, hi)(m_rng));
  }
};

TEST_F(RandomCodes, Q4_0AndQ5_0) {
  for (int iter = 0; iter < 20; ++iter) {
    BlockQ4_0 b4{};
    BlockQ5_0 b5{};
    b4.d = b5.d = half_in(-2.0f, 2.0f);
    std::vector<int> q(32);
    uint32_t qh = 0;
    for (int e = 0; e < 32; ++e) {
      q[e] = code(0, 31);
      const auto nib = static_cast<uint8_t>(q[e] & 15);
      b4.qs[e % 16] |= static_cast<uint8_t>(nib << (e < 16 ? 0 : 4));
      b5.qs[e % 16] |= static_cast<uint8_t>(nib << (e < 16 ? 0 : 4));
      qh |= static_cast<uint32_t>(q[e] >> 4) << e;
    }
    for (int k = 0; k < 4; ++k) b5.qh[k] = static_cast<uint8_t>(qh >> (8 * k));
    const float d = fp16_to_fp32(b4.d);
    const std::vector<float> v4 = dequant(GgmlType::Q4_0, b4);
    const std::vector<float> v5 = dequant(GgmlType::Q5_0, b5);
    for (int e = 0; e < 32; ++e) {
      ASSERT_EQ(v4[e], static_cast<float>((q[e] & 15) - 8) * d) << e;
      ASSERT_EQ(v5[e], static_cast<float>(q[e] - 16) * d) << e;
    }
  }
}

TEST_F(RandomCodes, Q2_K) {
  for (int iter = 0; iter < 20; ++iter) {
    BlockQ2_K b{};
    b.d = half_in(0.0f, 1.0f);
    b.dmin = half_in(0.0f, 1.0f);
    for (uint8_t& s : b.scales) s = static_cast<uint8_t>(code(0, 255));
    std::vector<int> q(256);
    for (int e = 0; e < 256; ++e) {
      q[e] = code(0, 3);
      const int h = e / 128, j = (e % 128) / 32, l = e % 32;
      b.qs[32 * h + l] |= static_cast<uint8_t>(q[e] << (2 * j));
    }
    const float d = fp16_to_fp32(b.d), dmin = fp16_to_fp32(b.dmin);
    const std::vector<float> v = dequant(GgmlType::Q2_K, b);
    for (int e = 0; e < 256; ++e) {
      const int sc = b.scales[e / 16];
      const float dl = d * static_cast<float>(sc & 15);
      const float ml = dmin * static_cast<float>(sc >> 4);
      ASSERT_EQ(v[e], dl * static_cast<float>(q[e]) - ml) << e;
    }
  }
}

TEST_F(RandomCodes, Q3_K) {
  for (int iter = 0; iter < 20; ++iter) {
    BlockQ3_K b{};
    b.d = half_in(-1.0f, 1.0f);
    std::vector<int> s(16), q(256);
    for (int i = 0; i < 16; ++i) {
      s[i] = code(-32, 31);
      const int u = s[i] + 32;
      if (i < 8)
        b.scales[i] |= static_cast<uint8_t>(u & 15);
      else
        b.scales[i - 8] |= static_cast<uint8_t>((u & 15) << 4);
      b.scales[8 + i % 4] |= static_cast<uint8_t>((u >> 4) << (2 * (i / 4)));
    }
    for (int e = 0; e < 256; ++e) {
      q[e] = code(-4, 3);
      const int h = e / 128, j = (e % 128) / 32, l = e % 32;
      b.qs[32 * h + l] |= static_cast<uint8_t>((q[e] & 3) << (2 * j));
      if (q[e] >= 0) b.hmask[l] |= static_cast<uint8_t>(1 << (4 * h + j));
    }
    const float d = fp16_to_fp32(b.d);
    const std::vector<float> v = dequant(GgmlType::Q3_K, b);
    for (int e = 0; e < 256; ++e) {
      ASSERT_EQ(v[e], d * static_cast<float>(s[e / 16]) * static_cast<float>(q[e])) << e;
    }
  }
}

TEST_F(RandomCodes, Q4_KAndQ5_K) {
  for (int iter = 0; iter < 20; ++iter) {
    BlockQ4_K b4{};
    BlockQ5_K b5{};
    b4.d = b5.d = half_in(0.0f, 0.1f);
    b4.dmin = b5.dmin = half_in(0.0f, 0.1f);
    std::vector<int> sc(8), m(8), q(256);
    uint8_t* B = b4.scales;
    for (int s = 0; s < 8; ++s) {
      sc[s] = code(0, 63);
      m[s] = code(0, 63);
      if (s < 4) {
        B[s] |= static_cast<uint8_t>(sc[s]);
        B[s + 4] |= static_cast<uint8_t>(m[s]);
      } else {
        B[s + 4] |= static_cast<uint8_t>((sc[s] & 15) | (m[s] & 15) << 4);
        B[s - 4] |= static_cast<uint8_t>((sc[s] >> 4) << 6);
        B[s] |= static_cast<uint8_t>((m[s] >> 4) << 6);
      }
    }
    std::memcpy(b5.scales, b4.scales, sizeof b5.scales);
    for (int e = 0; e < 256; ++e) {
      q[e] = code(0, 31);
      const int c = e / 64, r = e % 64;
      const auto nib = static_cast<uint8_t>((q[e] & 15) << (r < 32 ? 0 : 4));
      b4.qs[32 * c + r % 32] |= nib;
      b5.qs[32 * c + r % 32] |= nib;
      b5.qh[e % 32] |= static_cast<uint8_t>((q[e] >> 4) << (e / 32));
    }
    const float d = fp16_to_fp32(b4.d), dmin = fp16_to_fp32(b4.dmin);
    const std::vector<float> v4 = dequant(GgmlType::Q4_K, b4);
    const std::vector<float> v5 = dequant(GgmlType::Q5_K, b5);
    for (int e = 0; e < 256; ++e) {
      const float dl = d * static_cast<float>(sc[e / 32]);
      const float ml = dmin * static_cast<float>(m[e / 32]);
      ASSERT_EQ(v4[e], dl * static_cast<float>(q[e] & 15) - ml) << e;
      ASSERT_EQ(v5[e], dl * static_cast<float>(q[e]) - ml) << e;
    }
  }
}

TEST_F(RandomCodes, Q6_K) {
  for (int iter = 0; iter < 20; ++iter) {
    BlockQ6_K b{};
    b.d = half_in(-0.01f, 0.01f);
    for (int8_t& s : b.scales) s = static_cast<int8_t>(code(-128, 127));
    std::vector<int> q(256);
    for (int e = 0; e < 256; ++e) {
      q[e] = code(-32, 31);
      const int u = q[e] + 32;
      const int h = e / 128, k = (e % 128) / 32, l = e % 32;
      b.ql[64 * h + l + 32 * (k & 1)] |= static_cast<uint8_t>((u & 15) << (k < 2 ? 0 : 4));
      b.qh[32 * h + l] |= static_cast<uint8_t>((u >> 4) << (2 * k));
    }
    const float d = fp16_to_fp32(b.d);
    const std::vector<float> v = dequant(GgmlType::Q6_K, b);
    for (int e = 0; e < 256; ++e) {
      ASSERT_EQ(v[e], d * static_cast<float>(b.scales[e / 16]) * static_cast<float>(q[e])) << e;
    }
  }
}

// ------------------------------------------------------------------- rows and errors

TEST(Dequantize, ConsecutiveBlocksAdvance) {
  std::vector<BlockQ8_0> blocks(3);
  for (int i = 0; i < 3; ++i) {
    blocks[i].d = fp32_to_fp16(static_cast<float>(i + 1));
    for (int j = 0; j < 32; ++j) blocks[i].qs[j] = static_cast<int8_t>(j - 16);
  }
  const std::vector<float> v = dequant(GgmlType::Q8_0, blocks);
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 32; ++j) EXPECT_EQ(v[32 * i + j], static_cast<float>((j - 16) * (i + 1)));
  }
}

TEST(Dequantize, FloatTypes) {
  const std::vector<float> f32 = {1.5f, -0.0f, 3.0e-40f, -1e30f};
  std::vector<float> out(4);
  dequantize(GgmlType::F32, std::as_bytes(std::span(f32)), out);
  EXPECT_EQ(std::memcmp(out.data(), f32.data(), 16), 0);

  const std::vector<uint16_t> f16 = {0x3c00, 0xc000, 0x0001, 0x7bff};
  dequantize(GgmlType::F16, std::as_bytes(std::span(f16)), out);
  expect_values(out, {1.0f, -2.0f, 0x1p-24f, 65504.0f});

  const std::vector<uint16_t> bf16 = {0x3f80, 0xc040, 0x0001, 0x7f7f};
  dequantize(GgmlType::BF16, std::as_bytes(std::span(bf16)), out);
  expect_values(
      out, {1.0f, -3.0f, std::bit_cast<float>(0x00010000u), std::bit_cast<float>(0x7f7f0000u)});
}

TEST(Dequantize, RejectsUnsupportedTypesAndSizes) {
  std::vector<std::byte> bytes(1024);
  std::vector<float> out(256);
  EXPECT_THROW(dequantize(GgmlType::Q8_K, std::span(bytes).first(292), out), std::invalid_argument);
  EXPECT_THROW(dequantize(GgmlType::IQ2_XXS, std::span(bytes).first(66), out),
               std::invalid_argument);
  EXPECT_THROW(dequantize(GgmlType::Q8_1, std::span(bytes).first(36), std::span(out).first(32)),
               std::invalid_argument);
  // 48 elements are not whole Q4_0 blocks; wrong byte counts are rejected.
  EXPECT_THROW(dequantize(GgmlType::Q4_0, std::span(bytes).first(27), std::span(out).first(48)),
               std::invalid_argument);
  EXPECT_THROW(dequantize(GgmlType::Q4_0, std::span(bytes).first(35), std::span(out).first(64)),
               std::invalid_argument);
  EXPECT_THROW(dequantize(GgmlType::Q4_K, std::span(bytes).first(145), out), std::invalid_argument);
  EXPECT_NO_THROW(dequantize(GgmlType::Q4_K, std::span(bytes).first(144), out));
  EXPECT_NO_THROW(dequantize(GgmlType::Q6_K, {}, {}));
}

}  // namespace
}  // namespace etchsim::gguf
