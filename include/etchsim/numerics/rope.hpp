// RoPE, ggml mode 0 (NORMAL: adjacent pairs (2i, 2i+1)), as ggml's CPU rope_f32 with ext_factor
// = 0 and attn_factor = 1 (docs/formats.md §5.3 item 4, pitfall 11):
//   ts = powf(freq_base, -2.f / n_dims); theta_0 = (float)pos; theta_{i+1} = fl(theta_i * ts);
//   theta'_i = fl(freq_scale * fl(theta_i / ff_i)), ff_i = freq_factors[i] or 1;
//   c, s = glibc sincosf(theta'_i);
//   x'_{2i} = fma(x_{2i}, c, -fl(x_{2i+1} * s)), x'_{2i+1} = fma(x_{2i}, s, fl(x_{2i+1} * c))
//   (the FMA contraction GCC chose in rotate_pairs of the shipped zen4/haswell binaries:
//   vfmsub231ss / vfmadd132ss, identical code in both; the haswell form was also checked
//   bit-exact against libggml-cpu-haswell.so's ggml_rope_ext. Note x'_{2i+1} fuses x_{2i} * s,
//   not x_{2i+1} * c; docs/formats.md §5.3 item 4).
// Elements at or beyond n_dims in each head are left unchanged.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace etchsim::numerics {

struct RopeParams {
  int n_dims = 0;  // rope.dimension_count (= head dim for Llama)
  float freq_base = 10000.0f;
  float freq_scale = 1.0f;              // 1 / rope.scaling.factor
  std::span<const float> freq_factors;  // rope_freqs.weight (n_dims / 2) or empty
};

// The (cos, sin) pairs of one position, n_dims / 2 of each (ggml_rope_cache_init).
struct RopeCache {
  std::vector<float> cos;
  std::vector<float> sin;
};
RopeCache rope_cache(const RopeParams& params, int32_t pos);

// Rotates every head of x (x.size() / head_dim heads) in place at position `pos`.
void rope(std::span<float> x, int head_dim, const RopeCache& cache);
void rope(std::span<float> x, int head_dim, int32_t pos, const RopeParams& params);

}  // namespace etchsim::numerics
