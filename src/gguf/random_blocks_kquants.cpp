// Random K-quant super-blocks (§3.2): uniformly random codes, sub-block scales drawn from a
// narrow range, a block scale d from the table. Formats with mins use min = scale and
// dmin = centre * d, so every sub-block is centred; Q3_K / Q6_K get a random sign per
// sub-block scale instead.
#include <cmath>
#include <cstddef>

#include "etchsim/gguf/blocks.hpp"
#include "kquant_scales.hpp"
#include "random_fill.hpp"

namespace etchsim::gguf::detail {
namespace {

// Sub-block scale ranges: magnitude = base + step * k, k = 0..7 (3 random bits) or 0..15.
// Q3_K's come from random_q3_k_scales.
constexpr int kQ2Base = 8, kQ2Count = 8;                 // 4-bit scale and min
constexpr int kQ4Base = 48, kQ4Count = 16;               // 6-bit scale and min
constexpr int kQ6Base = 112, kQ6Step = 2, kQ6Count = 8;  // int8

// Sub-block s takes 4 bits of r: 3 magnitude bits and a sign bit.
int signed_sub_scale(uint64_t r, int s, int base, int step) {
  const auto nib = static_cast<int>((r >> (4 * s)) & 15);
  const int mag = base + step * (nib & 7);
  return nib & 8 ? -mag : mag;
}

void fill_q2_k(Rng rng, const ScaleTable& table, std::byte* dst, size_t nblocks) {
  for (size_t i = 0; i < nblocks; ++i, dst += sizeof(BlockQ2_K)) {
    const uint64_t r = rng.next();
    put(dst, offsetof(BlockQ2_K, d), table.d[r & 255]);
    put(dst, offsetof(BlockQ2_K, dmin), table.dmin[r & 255]);
    std::array<uint8_t, 16> scales{};
    for (int s = 0; s < 16; ++s) {
      const auto sc = static_cast<unsigned>(kQ2Base + ((r >> (8 + 3 * s)) & 7));
      scales[s] = static_cast<uint8_t>(sc | sc << 4);
    }
    put(dst, offsetof(BlockQ2_K, scales), scales);
    rng.fill(dst + offsetof(BlockQ2_K, qs), sizeof(BlockQ2_K::qs));
  }
}

// Q3_K scale bytes straight from random bits (§3.2 scale layout): 64 bits give every low
// nibble; 16 bits, one per scale, become 2-bit high parts of 0 or 3. So S = u - 32 lies in
// -32..-17 or 16..31.
ScaleBytes random_q3_k_scales(uint64_t low, uint64_t hi) {
  hi = (hi | hi << 8) & 0x00ff00ffu;
  hi = (hi | hi << 4) & 0x0f0f0f0fu;
  hi = (hi | hi << 2) & 0x33333333u;
  hi = (hi | hi << 1) & 0x55555555u;
  hi |= hi << 1;
  ScaleBytes b{};
  std::memcpy(b.data(), &low, 8);
  const auto hi32 = static_cast<uint32_t>(hi);
  std::memcpy(b.data() + 8, &hi32, 4);
  return b;
}

void fill_q3_k(Rng rng, const ScaleTable& table, std::byte* dst, size_t nblocks) {
  for (size_t i = 0; i < nblocks; ++i, dst += sizeof(BlockQ3_K)) {
    const uint64_t r = rng.next();
    put(dst, offsetof(BlockQ3_K, d), table.d[r & 255]);
    put(dst, offsetof(BlockQ3_K, scales), random_q3_k_scales(rng.next(), (r >> 48) & 0xffff));
    // hmask and qs are adjacent: 96 random bytes.
    static_assert(offsetof(BlockQ3_K, qs) == offsetof(BlockQ3_K, hmask) + sizeof(BlockQ3_K::hmask));
    rng.fill(dst + offsetof(BlockQ3_K, hmask), sizeof(BlockQ3_K::hmask) + sizeof(BlockQ3_K::qs));
  }
}

// Q4_K / Q5_K scale bytes: scale = min = kQ4Base + 4 random bits per sub-block.
ScaleBytes random_q4_k_scales(uint64_t r) {
  std::array<ScaleMin, 8> sm{};
  for (int s = 0; s < 8; ++s) {
    const int sc = kQ4Base + static_cast<int>((r >> (4 * s)) & 15);
    sm[s] = {sc, sc};
  }
  return pack_q4_k_scales(sm);
}

void fill_q4_k(Rng rng, const ScaleTable& table, std::byte* dst, size_t nblocks) {
  for (size_t i = 0; i < nblocks; ++i, dst += sizeof(BlockQ4_K)) {
    const uint64_t r = rng.next();
    put(dst, offsetof(BlockQ4_K, d), table.d[r & 255]);
    put(dst, offsetof(BlockQ4_K, dmin), table.dmin[r & 255]);
    put(dst, offsetof(BlockQ4_K, scales), random_q4_k_scales(r >> 32));
    rng.fill(dst + offsetof(BlockQ4_K, qs), sizeof(BlockQ4_K::qs));
  }
}

void fill_q5_k(Rng rng, const ScaleTable& table, std::byte* dst, size_t nblocks) {
  for (size_t i = 0; i < nblocks; ++i, dst += sizeof(BlockQ5_K)) {
    const uint64_t r = rng.next();
    put(dst, offsetof(BlockQ5_K, d), table.d[r & 255]);
    put(dst, offsetof(BlockQ5_K, dmin), table.dmin[r & 255]);
    put(dst, offsetof(BlockQ5_K, scales), random_q4_k_scales(r >> 32));
    // qh and qs are adjacent: 160 random bytes.
    static_assert(offsetof(BlockQ5_K, qs) == offsetof(BlockQ5_K, qh) + sizeof(BlockQ5_K::qh));
    rng.fill(dst + offsetof(BlockQ5_K, qh), sizeof(BlockQ5_K::qh) + sizeof(BlockQ5_K::qs));
  }
}

void fill_q6_k(Rng rng, const ScaleTable& table, std::byte* dst, size_t nblocks) {
  for (size_t i = 0; i < nblocks; ++i, dst += sizeof(BlockQ6_K)) {
    put(dst, offsetof(BlockQ6_K, d), table.d[rng.next() & 255]);
    const uint64_t r = rng.next();
    std::array<int8_t, 16> scales{};
    for (int s = 0; s < 16; ++s) {
      scales[s] = static_cast<int8_t>(signed_sub_scale(r, s, kQ6Base, kQ6Step));
    }
    put(dst, offsetof(BlockQ6_K, scales), scales);
    // ql and qh are adjacent: 192 random bytes.
    static_assert(offsetof(BlockQ6_K, qh) == offsetof(BlockQ6_K, ql) + sizeof(BlockQ6_K::ql));
    rng.fill(dst + offsetof(BlockQ6_K, ql), sizeof(BlockQ6_K::ql) + sizeof(BlockQ6_K::qh));
  }
}

double rms(double code_ms, double scale_ms) { return std::sqrt(code_ms * scale_ms); }

}  // namespace

RandomFormat kquant_random_format(GgmlType type) {
  switch (type) {
    case GgmlType::Q2_K:
      return {fill_q2_k, rms(code_mean_square(0, 3, 1.5), scale_mean_square(kQ2Base, 1, kQ2Count)),
              1.5};
    case GgmlType::Q3_K:
      return {fill_q3_k,
              rms(code_mean_square(-4, 3, 0),
                  (scale_mean_square(17, 1, 16) + scale_mean_square(16, 1, 16)) / 2),
              0};
    case GgmlType::Q4_K:
      return {fill_q4_k, rms(code_mean_square(0, 15, 7.5), scale_mean_square(kQ4Base, 1, kQ4Count)),
              7.5};
    case GgmlType::Q5_K:
      return {fill_q5_k,
              rms(code_mean_square(0, 31, 15.5), scale_mean_square(kQ4Base, 1, kQ4Count)), 15.5};
    case GgmlType::Q6_K:
      return {fill_q6_k,
              rms(code_mean_square(-32, 31, 0), scale_mean_square(kQ6Base, kQ6Step, kQ6Count)), 0};
    default:
      return {};
  }
}

}  // namespace etchsim::gguf::detail
