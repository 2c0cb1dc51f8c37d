// RMSNorm fused with its weight, as ggml's CPU RMS_NORM + MUL (docs/formats.md §5.3 item 2):
// S = sum of (double) fl(x_i * x_i), sequential; mean = (float)(S / n);
// r = 1.f / sqrtf(fl(mean + eps)); y_i = fl(fl(x_i * r) * w_i).
#pragma once

#include <span>

namespace etchsim::numerics {

// y may alias x.
void rms_norm(std::span<const float> x, std::span<const float> weight, float eps,
              std::span<float> y);

}  // namespace etchsim::numerics
