// SwiGLU (ggml_vec_swiglu_f32, §5.5) and the residual add.
#include "etchsim/numerics/swiglu.hpp"

#include <stdexcept>

#include "etchsim/numerics/expf.hpp"

namespace etchsim::numerics {

void swiglu(CpuProfile profile, std::span<const float> g, std::span<const float> u,
            std::span<float> out) {
  if (u.size() != g.size() || out.size() != g.size()) {
    throw std::invalid_argument("swiglu: g, u and out must have the same size");
  }
  const size_t body = g.size() - g.size() % static_cast<size_t>(simd_lanes(profile));
  for (size_t i = 0; i < body; ++i) out[i] = v_silu(profile, g[i]) * u[i];
  for (size_t i = body; i < g.size(); ++i) out[i] = silu_tail(g[i]) * u[i];
}

void add(std::span<const float> a, std::span<const float> b, std::span<float> out) {
  if (b.size() != a.size() || out.size() != a.size()) {
    throw std::invalid_argument("add: a, b and out must have the same size");
  }
  for (size_t i = 0; i < a.size(); ++i) out[i] = a[i] + b[i];
}

}  // namespace etchsim::numerics
