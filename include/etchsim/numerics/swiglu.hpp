// SwiGLU as ggml_vec_swiglu_f32 (docs/formats.md §5.3 item 10, §5.5): out = fl(silu(g) * u), with
// silu by v_silu in simd_lanes(profile)-wide blocks and silu_tail for the remainder.
#pragma once

#include <span>

#include "etchsim/numerics/profile.hpp"

namespace etchsim::numerics {

// out may alias g or u.
void swiglu(CpuProfile profile, std::span<const float> g, std::span<const float> u,
            std::span<float> out);

// Residual add, out = fl(a + b) element-wise (§5.3 items 9-10). out may alias a or b.
void add(std::span<const float> a, std::span<const float> b, std::span<float> out);

}  // namespace etchsim::numerics
