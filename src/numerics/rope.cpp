// RoPE NORMAL mode (docs/formats.md §5.3 item 4, pitfall 11).
#include "etchsim/numerics/rope.hpp"

#include <cmath>
#include <stdexcept>

namespace etchsim::numerics {

RopeCache rope_cache(const RopeParams& params, int32_t pos) {
  if (params.n_dims <= 0 || params.n_dims % 2 != 0 ||
      (!params.freq_factors.empty() &&
       params.freq_factors.size() != static_cast<size_t>(params.n_dims / 2))) {
    throw std::invalid_argument("rope: n_dims must be even and positive, rope_freqs n_dims/2");
  }
  const auto pairs = static_cast<size_t>(params.n_dims / 2);
  RopeCache cache{std::vector<float>(pairs), std::vector<float>(pairs)};
  const float ts = std::pow(params.freq_base, -2.0f / static_cast<float>(params.n_dims));
  float theta = static_cast<float>(pos);
  for (size_t i = 0; i < pairs; ++i) {
    const float ff = params.freq_factors.empty() ? 1.0f : params.freq_factors[i];
    const float angle = params.freq_scale * (theta / ff);
    ::sincosf(angle, &cache.sin[i], &cache.cos[i]);  // glibc sincosf (§5.3 [bin]); mscale = 1
    theta *= ts;                                     // iterated product, not pos * ts^i
  }
  return cache;
}

void rope(std::span<float> x, int head_dim, const RopeCache& cache) {
  const size_t pairs = cache.cos.size();
  const auto hd = static_cast<size_t>(head_dim);
  if (head_dim <= 0 || x.size() % hd != 0 || 2 * pairs > hd) {
    throw std::invalid_argument("rope: x must be whole heads of head_dim >= n_dims");
  }
  for (size_t head = 0; head < x.size(); head += hd) {
    for (size_t i = 0; i < pairs; ++i) {
      float& x0 = x[head + 2 * i];
      float& x1 = x[head + 2 * i + 1];
      const float c = cache.cos[i];
      const float s = cache.sin[i];
      const float r0 = std::fma(x0, c, -(x1 * s));
      const float r1 = std::fma(x0, s, x1 * c);
      x0 = r0;
      x1 = r1;
    }
  }
}

void rope(std::span<float> x, int head_dim, int32_t pos, const RopeParams& params) {
  rope(x, head_dim, rope_cache(params, pos));
}

}  // namespace etchsim::numerics
