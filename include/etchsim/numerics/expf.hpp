// exp and SiLU as ggml's CPU back end evaluates them (ggml-formats.md §5.5): ggml_v_expf (the
// AVX-512 variant, lane by lane) in 16-lane SIMD bodies, glibc expf in the remainder.
#pragma once

namespace etchsim::numerics {

inline constexpr int kExpLanes = 16;  // AVX-512 body width on the zen4 host

// One lane of ggml_v_expf's AVX-512 form: range reduction by fma with 0x1.715476p+0 and the
// 0x1.8p23 shifter, degree-5 polynomial, scalef(j, n); |n| > 192 gives 0 (n <= 0) or inf.
float v_expf(float x);

// ggml_v_silu lane: fl(x / fl(1 + v_expf(0 - x))).
float v_silu(float x);

// ggml_silu_f32 (tail): fl(x / fl(1 + expf(-x))) with glibc expf.
float silu_tail(float x);

}  // namespace etchsim::numerics
