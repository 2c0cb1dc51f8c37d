// Horizontal sum of 8 f32 lanes as ggml's hsum_float_8 (docs/formats.md §4.5):
// ((v0+v4) + (v2+v6)) + ((v1+v5) + (v3+v7)).
#pragma once

namespace etchsim::numerics {

inline float hsum8(const float* v) {
  return ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]));
}

}  // namespace etchsim::numerics
