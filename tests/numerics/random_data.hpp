// Test helper: seeded random weight matrices (gguf::fill_random_blocks) and activations.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "etchsim/gguf/ggml_type.hpp"
#include "etchsim/gguf/random_blocks.hpp"
#include "etchsim/numerics/matvec.hpp"
#include "etchsim/numerics/profile.hpp"

namespace etchsim::numerics::test_data {

// Every emulated llama.cpp CPU build (profile.hpp).
inline constexpr CpuProfile kAllProfiles[] = {CpuProfile::Haswell, CpuProfile::Zen4};

// Owns the bytes a WeightMatrix views.
struct RandomMatrix {
  std::vector<std::byte> bytes;
  WeightMatrix matrix;
};

inline RandomMatrix random_matrix(gguf::GgmlType type, int64_t rows, int64_t cols, uint64_t seed) {
  RandomMatrix m;
  m.bytes.resize(gguf::row_bytes(type, cols) * static_cast<size_t>(rows));
  gguf::fill_random_blocks(type, seed, 0.02f, m.bytes);
  m.matrix = WeightMatrix{type, rows, cols, m.bytes};
  return m;
}

inline std::vector<float> random_vector(size_t n, uint64_t seed, float stddev = 1.0f) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> dist(0.0f, stddev);
  std::vector<float> x(n);
  for (float& v : x) v = dist(rng);
  return x;
}

inline const std::vector<gguf::GgmlType>& all_weight_types() {
  using gguf::GgmlType;
  static const std::vector<GgmlType> types = {
      GgmlType::F32,  GgmlType::F16,  GgmlType::BF16, GgmlType::Q4_0, GgmlType::Q4_1,
      GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q2_K, GgmlType::Q3_K,
      GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K};
  return types;
}

// gtest parameter names: "q4_K", ...
inline std::string type_name(const ::testing::TestParamInfo<gguf::GgmlType>& info) {
  return std::string(gguf::traits(info.param).name);
}

}  // namespace etchsim::numerics::test_data
