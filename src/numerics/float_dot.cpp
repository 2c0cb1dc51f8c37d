// ggml_vec_dot_f32 / ggml_vec_dot_f16 with n = 1 (docs/formats.md §4.5; float_dot.hpp).
#include "etchsim/numerics/float_dot.hpp"

#include <cmath>
#include <stdexcept>
#include <vector>

namespace etchsim::numerics {
namespace {

// The 4 x EPR-lane fma body over the first `body` elements, reduced to one f32 as
// GGML_F32_VEC_REDUCE does: acc0 += acc2, acc1 += acc3, acc0 += acc1, reduce_lanes(acc0).
float vector_body(CpuProfile profile, const float* a, const float* b, size_t body) {
  const auto lanes = static_cast<size_t>(simd_lanes(profile));
  std::vector<float> acc(4 * lanes, 0.0f);  // acc[j * lanes + l]
  for (size_t i = 0; i < body; i += 4 * lanes) {
    for (size_t k = 0; k < 4 * lanes; ++k) acc[k] = std::fma(a[i + k], b[i + k], acc[k]);
  }
  for (size_t l = 0; l < lanes; ++l) {
    acc[l] += acc[2 * lanes + l];
    acc[lanes + l] += acc[3 * lanes + l];
  }
  for (size_t l = 0; l < lanes; ++l) acc[l] += acc[lanes + l];
  return reduce_lanes(profile, acc.data());
}

void check_sizes(std::span<const float> a, std::span<const float> b) {
  if (a.size() != b.size()) throw std::invalid_argument("float dot: operand sizes differ");
}

}  // namespace

size_t fused_tail(CpuProfile profile, size_t tail) {
  return tail % (profile == CpuProfile::Zen4 ? 8 : 4);
}

float reduce_hadd8(const float* v) {
  float t[4];
  for (int i = 0; i < 4; ++i) t[i] = v[i] + v[i + 4];
  return (t[0] + t[1]) + (t[2] + t[3]);
}

float reduce_add16(const float* v) {
  float t8[8], t4[4], t2[2];
  for (int i = 0; i < 8; ++i) t8[i] = v[i + 8] + v[i];
  for (int i = 0; i < 4; ++i) t4[i] = t8[i + 4] + t8[i];
  for (int i = 0; i < 2; ++i) t2[i] = t4[i] + t4[i + 2];
  return t2[0] + t2[1];
}

float reduce_lanes(CpuProfile profile, const float* v) {
  return profile == CpuProfile::Zen4 ? reduce_add16(v) : reduce_hadd8(v);
}

float dot_f32_order(CpuProfile profile, std::span<const float> a, std::span<const float> b) {
  check_sizes(a, b);
  const size_t n = a.size();
  const size_t body = n - n % float_dot_step(profile);
  const size_t fused_from = n - fused_tail(profile, n - body);
  float sum = vector_body(profile, a.data(), b.data(), body);
  for (size_t i = body; i < fused_from; ++i) sum += a[i] * b[i];
  for (size_t i = fused_from; i < n; ++i) sum = std::fma(a[i], b[i], sum);
  return sum;
}

float dot_f16_order(CpuProfile profile, std::span<const float> a, std::span<const float> b) {
  check_sizes(a, b);
  const size_t body = a.size() - a.size() % float_dot_step(profile);
  double sum = vector_body(profile, a.data(), b.data(), body);
  for (size_t i = body; i < a.size(); ++i) sum += static_cast<double>(a[i] * b[i]);
  return static_cast<float>(sum);
}

}  // namespace etchsim::numerics
