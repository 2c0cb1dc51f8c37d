// Internals of gguf::fill_random_blocks: the generator, the per-block scale table and the
// per-format kernels that write random codes plus scales.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "etchsim/gguf/ggml_type.hpp"

namespace etchsim::gguf::detail {

// splitmix64 step; used to seed and to derive per-chunk seeds.
inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// xoshiro256** seeded from splitmix64.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& s : m_s) s = splitmix64(seed);
  }

  uint64_t next() {
    const uint64_t result = rotl(m_s[1] * 5, 7) * 9;
    const uint64_t t = m_s[1] << 17;
    m_s[2] ^= m_s[0];
    m_s[3] ^= m_s[1];
    m_s[1] ^= m_s[2];
    m_s[0] ^= m_s[3];
    m_s[2] ^= t;
    m_s[3] = rotl(m_s[3], 45);
    return result;
  }

  // n random bytes, 8 per draw.
  void fill(void* out, size_t n) {
    auto* p = static_cast<unsigned char*>(out);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      const uint64_t r = next();
      std::memcpy(p + i, &r, 8);
    }
    if (i < n) {
      const uint64_t r = next();
      std::memcpy(p + i, &r, n - i);
    }
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t m_s[4];
};

// 256 fp16 block scales d spread evenly over factors 0.75..1.25 of the nominal scale, and the
// matching offsets dmin = offset * d (fp16). A kernel picks an entry with 8 random bits.
struct ScaleTable {
  std::array<uint16_t, 256> d;
  std::array<uint16_t, 256> dmin;
};

// Mean of (q - centre)^2 over the integer codes lo..hi drawn uniformly.
double code_mean_square(int lo, int hi, double centre);
// Mean of v^2 over v = base + step*k, k = 0..count-1.
double scale_mean_square(int base, int step, int count);

// Writes nblocks blocks at dst. The generator is taken by value so it stays in registers.
using FillKernel = void (*)(Rng rng, const ScaleTable& table, std::byte* dst, size_t nblocks);

// Writes a field straight into the (unaligned) output block; filling a local block and
// copying it out stalls on store forwarding.
template <class T>
void put(std::byte* block, size_t offset, const T& value) {
  std::memcpy(block + offset, &value, sizeof value);
}

// How to fill one quantised format: its kernel, the RMS of a dequantised value when the
// block scale d is 1, and the offset defining dmin (0 for formats without one).
struct RandomFormat {
  FillKernel fill = nullptr;
  double rms_at_unit_scale = 1.0;
  double offset = 0.0;
};
RandomFormat legacy_random_format(GgmlType type);  // Q4_0, Q4_1, Q5_0, Q5_1, Q8_0
RandomFormat kquant_random_format(GgmlType type);  // Q2_K .. Q6_K

}  // namespace etchsim::gguf::detail
