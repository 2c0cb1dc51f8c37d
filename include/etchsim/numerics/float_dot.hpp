// ggml's n = 1 float dot products on f32 spans, also used by attention (ggml-formats.md §4.5):
// 4 accumulators of 16 lanes (EPR = 16, AVX-512 zen4), step 64, reduced acc0+=acc2, acc1+=acc3,
// acc0+=acc1, then the 16 lanes by GCC's _mm512_reduce_add_ps halving tree (8, 4, 2, 1).
#pragma once

#include <span>

namespace etchsim::numerics {

inline constexpr int kFloatDotLanes = 16;                 // EPR on AVX-512
inline constexpr int kFloatDotStep = 4 * kFloatDotLanes;  // GGML_F32_STEP

// ggml_vec_dot_f32: tail elements added one by one as fma in f32 (assumed contracted).
float dot_f32_order(std::span<const float> a, std::span<const float> b);

// ggml_vec_dot_f16 on values that are exactly representable in f16 (so every product is
// exact): the reduced f32 is widened to double, tail products are added in double.
float dot_f16_order(std::span<const float> a, std::span<const float> b);

// _mm512_reduce_add_ps as GCC's avx512fintrin.h computes it: a halving tree 8, 4, 2, 1.
float reduce_add16(const float* v);

}  // namespace etchsim::numerics
