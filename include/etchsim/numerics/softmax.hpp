// Softmax over one row of attention scores as ggml's soft_max_ext (f32 mask, FA off) computes it
// (docs/formats.md §5.3 item 7, pitfall 10), with L = simd_lanes(profile):
//   w = fl(kq * scale) + mask; mx = max(w);
//   e = v_expf(w - mx) in L-lane blocks, glibc expf(w - mx) for the n % L tail;
//   sum (double) += each block's f32 horizontal sum, tail elements individually; the block sum
//   is hsum8 on Haswell (extractf128 + add, movehl + add, movehdup + add_ss:
//   ((e0+e4)+(e2+e6)) + ((e1+e5)+(e3+e7))) and reduce_add16 on Zen4;
//   p = fl(e * (float)(1.0 / sum)).
#pragma once

#include <span>

#include "etchsim/numerics/profile.hpp"

namespace etchsim::numerics {

// In place: on entry the already scaled and masked scores w, on exit the probabilities.
void softmax(CpuProfile profile, std::span<float> w);

}  // namespace etchsim::numerics
