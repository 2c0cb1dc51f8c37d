// ggml_vec_dot_f32 / ggml_vec_dot_f16 with n = 1 on the AVX-512 host (ggml-formats.md §4.5).
#include "etchsim/numerics/float_dot.hpp"

#include <cmath>
#include <stdexcept>

namespace etchsim::numerics {
namespace {

// The 4 x 16-lane fma body over the first n - n % 64 elements, reduced to one f32 as
// GGML_F32_VEC_REDUCE does: acc0 += acc2, acc1 += acc3, acc0 += acc1, reduce_add16(acc0).
float vector_body(const float* a, const float* b, size_t body) {
  float acc[4][kFloatDotLanes] = {};
  for (size_t i = 0; i < body; i += kFloatDotStep) {
    for (int j = 0; j < 4; ++j) {
      for (int l = 0; l < kFloatDotLanes; ++l) {
        const size_t e = i + static_cast<size_t>(j * kFloatDotLanes + l);
        acc[j][l] = std::fma(a[e], b[e], acc[j][l]);
      }
    }
  }
  for (int l = 0; l < kFloatDotLanes; ++l) {
    acc[0][l] += acc[2][l];
    acc[1][l] += acc[3][l];
  }
  for (int l = 0; l < kFloatDotLanes; ++l) acc[0][l] += acc[1][l];
  return reduce_add16(acc[0]);
}

void check_sizes(std::span<const float> a, std::span<const float> b) {
  if (a.size() != b.size()) throw std::invalid_argument("float dot: operand sizes differ");
}

}  // namespace

float reduce_add16(const float* v) {
  float t8[8], t4[4], t2[2];
  for (int i = 0; i < 8; ++i) t8[i] = v[i + 8] + v[i];
  for (int i = 0; i < 4; ++i) t4[i] = t8[i + 4] + t8[i];
  for (int i = 0; i < 2; ++i) t2[i] = t4[i] + t4[i + 2];
  return t2[0] + t2[1];
}

float dot_f32_order(std::span<const float> a, std::span<const float> b) {
  check_sizes(a, b);
  const size_t body = a.size() - a.size() % kFloatDotStep;
  float sum = vector_body(a.data(), b.data(), body);
  for (size_t i = body; i < a.size(); ++i) sum = std::fma(a[i], b[i], sum);
  return sum;
}

float dot_f16_order(std::span<const float> a, std::span<const float> b) {
  check_sizes(a, b);
  const size_t body = a.size() - a.size() % kFloatDotStep;
  double sum = vector_body(a.data(), b.data(), body);
  for (size_t i = body; i < a.size(); ++i) sum += static_cast<double>(a[i] * b[i]);
  return static_cast<float>(sum);
}

}  // namespace etchsim::numerics
