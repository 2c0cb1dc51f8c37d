// Softmax as ggml_vec_soft_max_f32 plus soft_max_ext's normalisation (§5.3 item 7; softmax.hpp).
#include "etchsim/numerics/softmax.hpp"

#include <cmath>
#include <limits>

#include "etchsim/numerics/expf.hpp"
#include "etchsim/numerics/float_dot.hpp"
#include "hsum.hpp"

namespace etchsim::numerics {

void softmax(CpuProfile profile, std::span<float> w) {
  float mx = -std::numeric_limits<float>::infinity();
  for (const float v : w) mx = v > mx ? v : mx;  // ggml_vec_max_f32
  const size_t n = w.size();
  const auto lanes = static_cast<size_t>(simd_lanes(profile));
  const size_t body = n - n % lanes;
  double sum = 0.0;
  for (size_t i = 0; i < body; i += lanes) {
    for (size_t l = i; l < i + lanes; ++l) w[l] = v_expf(profile, w[l] - mx);
    const float block = profile == CpuProfile::Zen4 ? reduce_add16(&w[i]) : hsum8(&w[i]);
    sum += static_cast<double>(block);
  }
  for (size_t i = body; i < n; ++i) {
    w[i] = std::exp(w[i] - mx);  // glibc expf
    sum += static_cast<double>(w[i]);
  }
  const auto inv = static_cast<float>(1.0 / sum);
  for (float& v : w) v *= inv;
}

}  // namespace etchsim::numerics
