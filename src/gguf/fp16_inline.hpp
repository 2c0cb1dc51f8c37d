// Inline bodies of the fp16 / bf16 conversions (gguf/fp16.hpp), for the hot loops of this part
// (dequantisation, random fills) that would otherwise pay a call per element.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>

namespace etchsim::gguf::detail {

inline constexpr uint32_t kF32AbsMask = 0x7fffffffu;
inline constexpr uint32_t kF32Inf = 0x7f800000u;
inline constexpr uint16_t kF16Inf = 0x7c00u;
inline constexpr uint16_t kF16QuietBit = 0x0200u;

// Shifts right by `shift` (1..31), rounding to nearest, ties to even, without branches: adding
// half - 1 plus the kept LSB carries exactly when the rest is above half, or at half with an
// odd kept part. v must leave room for the carry (v < 2^31).
inline uint32_t shift_right_rne(uint32_t v, uint32_t shift) {
  const uint32_t half = 1u << (shift - 1u);
  return (v + (half - 1u) + ((v >> shift) & 1u)) >> shift;
}

inline float fp16_to_fp32_inline(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  const uint32_t mant = h & 0x3ffu;
  if (exp == 0x1f) return std::bit_cast<float>(sign | kF32Inf | (mant << 13));
  if (exp == 0) {
    // Zero or subnormal: mant * 2^-24, exact in binary32.
    const float mag = static_cast<float>(mant) * 0x1p-24f;
    return sign ? -mag : mag;
  }
  return std::bit_cast<float>(sign | ((exp + 112u) << 23) | (mant << 13));
}

inline uint16_t fp32_to_fp16_inline(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  const auto sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const uint32_t ax = x & kF32AbsMask;
  if (ax > kF32Inf) {
    // NaN: keep the top payload bits and make it quiet, as vcvtps2ph does.
    return static_cast<uint16_t>(sign | kF16Inf | kF16QuietBit | ((ax >> 13) & 0x3ffu));
  }
  const uint32_t exp = ax >> 23;
  if (exp >= 113) {
    // Normal in binary16 unless rounding overflows (>= 65520 becomes inf). Rebias 127 -> 15.
    const uint32_t h = shift_right_rne(ax - (112u << 23), 13);
    return static_cast<uint16_t>(sign | std::min<uint32_t>(h, kF16Inf));
  }
  if (exp < 102) return sign;  // below 2^-25: rounds to zero
  // Subnormal result: units of 2^-24; a carry into the exponent field gives 2^-14 correctly.
  const uint32_t mant = (ax & 0x7fffffu) | 0x800000u;
  return static_cast<uint16_t>(sign | shift_right_rne(mant, 126u - exp));
}

inline float bf16_to_fp32_inline(uint16_t h) {
  return std::bit_cast<float>(static_cast<uint32_t>(h) << 16);
}

inline uint16_t fp32_to_bf16_inline(float f) {
  const uint32_t u = std::bit_cast<uint32_t>(f);
  if ((u & kF32AbsMask) > kF32Inf) return static_cast<uint16_t>((u >> 16) | 0x40u);  // §4.3
  return static_cast<uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

}  // namespace etchsim::gguf::detail
