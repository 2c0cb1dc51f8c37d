// Internal to model/: splitmix64 (Steele, Lea, Flood 2014), the seed mixer and small PRNG synth
// uses so every byte it writes depends only on the seed.
#pragma once

#include <cstdint>
#include <string_view>

namespace etchsim::model::detail {

inline uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// FNV-1a, 64 bit: a stable hash of a tensor name.
inline uint64_t fnv1a64(std::string_view text) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ull;
  }
  return h;
}

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : m_state(seed) {}
  uint64_t next() {
    const uint64_t out = splitmix64(m_state);
    m_state += 0x9E3779B97F4A7C15ull;
    return out;
  }
  // Uniform in [0, n) for n > 0 (the modulo bias is irrelevant at these sizes).
  uint64_t below(uint64_t n) { return next() % n; }
  // Uniform in [0, 1).
  float unit() { return static_cast<float>(next() >> 40) * 0x1p-24f; }

 private:
  uint64_t m_state;
};

}  // namespace etchsim::model::detail
