// RMSNorm (docs/formats.md §5.3 item 2).
#include "etchsim/numerics/rms_norm.hpp"

#include <cmath>
#include <stdexcept>

namespace etchsim::numerics {

void rms_norm(std::span<const float> x, std::span<const float> weight, float eps,
              std::span<float> y) {
  if (weight.size() != x.size() || y.size() != x.size() || x.empty()) {
    throw std::invalid_argument("rms_norm: x, weight and y must have the same non-zero size");
  }
  double sum = 0.0;
  for (const float v : x) sum += static_cast<double>(v * v);  // fl(x*x), summed in double
  const auto mean = static_cast<float>(sum / static_cast<double>(x.size()));
  const float r = 1.0f / std::sqrt(mean + eps);
  for (size_t i = 0; i < x.size(); ++i) y[i] = (x[i] * r) * weight[i];
}

}  // namespace etchsim::numerics
