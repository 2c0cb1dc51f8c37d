// Causal multi-head attention with GQA for one query token, following llama.cpp's CPU graph with
// flash attention off (docs/formats.md §5.3 items 5-8, pitfall 10):
//  * the query sits at position n_pos - 1 and sees cells 0..n_pos-1; llama.cpp runs over
//    n_kv = max(256, PAD(n_pos, 256)) cells, the rest masked to -inf (probability exactly 0,
//    value cells zero), and that length decides the SIMD/tail splits, so it is emulated here;
//  * query head h reads KV head h / (n_head / n_head_kv);
//  * KQ (n = 1 vec_dot over head_dim): F32 / I8 cache: dot_f32_order(K_cell, q); F16 cache: q
//    rounded to f16 (RNE), then dot_f16_order;
//  * softmax (softmax.hpp) of fl(kq * (1.f / sqrtf((float)head_dim))) + mask;
//  * PV: out[d] = dot over the n_kv cells of V[cell][d] and P (V transposed, as with FA off):
//    F32 / I8: dot_f32_order; F16: P rounded to f16 first, then dot_f16_order.
// Every dot and the softmax take the profile's form (float_dot.hpp, softmax.hpp).
// I8 caches are read back as f32 (kv_cache.hpp) and use the F32 operation order.
// The kernels (src/numerics/attention_simd.cpp) read the K and V rows in place, with no float
// copy of the cache, and give every bit of the order above on any SIMD target; each KV head's
// query heads are one oneTBB task, so the result does not depend on the thread count.
#pragma once

#include <span>

#include "etchsim/numerics/kv_cache.hpp"
#include "etchsim/numerics/profile.hpp"

namespace etchsim::numerics {

inline constexpr int kKvPad = 256;  // llama.cpp pads n_kv to a multiple of 256 cells

// llama.cpp's n_kv for n_pos used cells (ignoring the cap at the cache size, which is itself a
// multiple of 256).
int padded_kv_cells(int n_pos);

struct AttentionShape {
  int n_head = 0;
  int n_head_kv = 0;
  int head_dim = 0;
};

// q: n_head * head_dim (after RoPE), out: n_head * head_dim (head-major).
void attend(CpuProfile profile, std::span<const float> q, const KvCache& cache, int n_pos,
            const AttentionShape& shape, std::span<float> out);

}  // namespace etchsim::numerics
