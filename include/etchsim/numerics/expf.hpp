// exp and SiLU as ggml's CPU back end evaluates them (docs/formats.md §5.5): ggml_v_expf lane by
// lane in the SIMD bodies (simd_lanes(profile) wide), glibc expf in the remainder.
#pragma once

#include "etchsim/numerics/profile.hpp"

namespace etchsim::numerics {

// One lane of ggml_v_expf. Both forms reduce the range with z = fma(x, 0x1.715476p+0, 0x1.8p23),
// n = z - 0x1.8p23, b = fma(-n, 0x1.7f7d1cp-20, fma(-n, 0x1.62e4p-1, x)), u = b * b and
// evaluate j = fma(fma(fma(C5, b, C4), u, fma(C3, b, C2)), u, T1); then
//  * Zen4 (AVX-512): T1 = fma(C1, b, 1), result = scalef(j, n); |n| > 192 gives 0 (n <= 0) or
//    inf;
//  * Haswell (AVX2): T1 = fl(C1 * b), k = 2^n from the bits of z (bits(z) << 23 plus the bits
//    of 1.0f), result = fma(k, j, k); for |n| > 126, with g = 0x82000000 if n <= 0 else 0,
//    s1 = bits(g + 0x7f000000) and s2 = bits((bits(z) << 23) - g), result = fl(fma(s2, j, s2)
//    * s1), and for |n| > 192 result = fl(s1 * s1) (0 or inf).
float v_expf(CpuProfile profile, float x);

// ggml_v_silu lane: fl(x / fl(1 + v_expf(0 - x))).
float v_silu(CpuProfile profile, float x);

// ggml_silu_f32 (tail): fl(x / fl(1 + expf(-x))) with glibc expf.
float silu_tail(float x);

}  // namespace etchsim::numerics
