// The small integer terms of the K-quant dot products that use the activation's bsums
// (docs/formats.md §4.4, §4.5). Shared by the scalar reference and the SIMD kernels.
#pragma once

#include <cstdint>

#include "block_decode.hpp"

namespace etchsim::numerics::detail {

// S_s = bsums(2s) + bsums(2s+1): the activation sum of 32-element sub-block s.
inline int32_t sub_block_sum(const int16_t* bsums, int s) {
  return bsums[2 * s] + bsums[2 * s + 1];
}

// Q2_K min lane L: m(2L)*bsums(2L) + m(2L+1)*bsums(2L+1) (madd of mins and bsums).
inline int32_t q2k_min_lane(const DecodedK& k, const int16_t* bsums, int lane) {
  return k.mins[2 * lane] * bsums[2 * lane] + k.mins[2 * lane + 1] * bsums[2 * lane + 1];
}

// Q4_K / Q5_K min lane k < 4: M_k = m(2k)*S(2k) + m(2k+1)*S(2k+1).
inline int32_t q4k_min_lane(const DecodedK& k, const int16_t* bsums, int lane) {
  return k.mins[2 * lane] * sub_block_sum(bsums, 2 * lane) +
         k.mins[2 * lane + 1] * sub_block_sum(bsums, 2 * lane + 1);
}

// Q6_K lane L correction for u = q + 32: -32*(sc(2L)*bsums(2L) + sc(2L+1)*bsums(2L+1)).
inline int32_t q6k_lane_offset(const DecodedK& k, const int16_t* bsums, int lane) {
  return -32 * (k.sc[2 * lane] * bsums[2 * lane] + k.sc[2 * lane + 1] * bsums[2 * lane + 1]);
}

// Sum of mins times activation sums over the whole super-block (Q4_K/Q5_K: 8 sub-blocks of
// 32; Q2_K: 16 of 16).
inline int32_t k4_min_total(const DecodedK& k, const int16_t* bsums) {
  int32_t total = 0;
  for (int s = 0; s < 8; ++s) total += k.mins[s] * sub_block_sum(bsums, s);
  return total;
}
inline int32_t q2k_min_total(const DecodedK& k, const int16_t* bsums) {
  int32_t total = 0;
  for (int s = 0; s < 16; ++s) total += k.mins[s] * bsums[s];
  return total;
}

// Exact scaled sum over the super-block: sum_s sc(s) * sum_{e in s} w*a (per 16 elements).
inline int32_t k_scaled_total(const DecodedK& k, const int8_t* a) {
  int32_t total = 0;
  for (int s = 0; s < 16; ++s) {
    int32_t sum = 0;
    for (int e = 16 * s; e < 16 * s + 16; ++e) sum += k.w[e] * a[e];
    total += k.sc[s] * sum;
  }
  return total;
}

}  // namespace etchsim::numerics::detail
