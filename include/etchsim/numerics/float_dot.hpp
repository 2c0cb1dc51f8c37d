// ggml's n = 1 float dot products on f32 spans, also used by attention (docs/formats.md §4.5
// "F32 weights", "F16 weights"), in the form of the profile's llama.cpp build (profile.hpp):
//  * body: 4 accumulators of EPR = simd_lanes(profile) lanes, step 4 * EPR, acc_j = fma(x, y,
//    acc_j); reduced acc0 += acc2, acc1 += acc3, acc0 += acc1 (GGML_F32_VEC_REDUCE), then the
//    lanes by reduce_lanes: Haswell's extractf128 + add + hadd + hadd, Zen4's
//    _mm512_reduce_add_ps;
//  * F32 tail (n % (4 * EPR) elements), added in f32 in order as the shipped binaries compile
//    `sumf += x[i]*y[i]` (read from their disassembly): GCC vectorises the loop, so all but the
//    last n % kFusedTail elements are fl(x * y) then added, the last ones are fma'd; kFusedTail
//    is 4 on Haswell, 8 on Zen4;
//  * F16: the reduced f32 is widened to double and the (exact) tail products are added in double.
#pragma once

#include <cstddef>
#include <span>

#include "etchsim/numerics/profile.hpp"

namespace etchsim::numerics {

// GGML_F32_STEP: elements per iteration of the 4-accumulator body.
inline size_t float_dot_step(CpuProfile profile) {
  return 4 * static_cast<size_t>(simd_lanes(profile));
}

// How many of the n f32 tail elements are added as fma (the rest as fl(x*y) then +).
size_t fused_tail(CpuProfile profile, size_t tail);

// ggml_vec_dot_f32 with n = 1.
float dot_f32_order(CpuProfile profile, std::span<const float> a, std::span<const float> b);

// ggml_vec_dot_f16 on values that are exactly representable in f16 (so every product is exact).
float dot_f16_order(CpuProfile profile, std::span<const float> a, std::span<const float> b);

// The same two on the host's SIMD unit (Highway dynamic dispatch), bit-identical to the above
// (each SIMD lane runs the same fma sequence as the reference's lane): attention's q.k and p.v.
float dot_f32_fast(CpuProfile profile, std::span<const float> a, std::span<const float> b);
float dot_f16_fast(CpuProfile profile, std::span<const float> a, std::span<const float> b);

// The horizontal sum of simd_lanes(profile) lanes that ends GGML_F32_VEC_REDUCE.
float reduce_lanes(CpuProfile profile, const float* v);

// Haswell: t_i = v_i + v_{i+4} (lo128 + hi128), then hadd twice: (t0 + t1) + (t2 + t3).
float reduce_hadd8(const float* v);

// _mm512_reduce_add_ps as GCC's avx512fintrin.h computes it: a halving tree 8, 4, 2, 1.
float reduce_add16(const float* v);

}  // namespace etchsim::numerics
