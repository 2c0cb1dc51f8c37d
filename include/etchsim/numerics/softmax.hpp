// Softmax over one row of attention scores as ggml's soft_max_ext (f32 mask, FA off) computes it
// (ggml-formats.md §5.3 item 7, pitfall 10):
//   w = fl(kq * scale) + mask; mx = max(w);
//   e = v_expf(w - mx) in 16-lane blocks, glibc expf(w - mx) for the n % 16 tail;
//   sum (double) += each block's reduce_add16 in f32, tail elements individually;
//   p = fl(e * (float)(1.0 / sum)).
#pragma once

#include <span>

namespace etchsim::numerics {

// In place: on entry the already scaled and masked scores w, on exit the probabilities.
void softmax(std::span<float> w);

}  // namespace etchsim::numerics
