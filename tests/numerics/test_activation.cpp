#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>
#include <vector>

#include "etchsim/gguf/fp16.hpp"
#include "etchsim/gguf/quantize.hpp"
#include "etchsim/numerics/activation.hpp"
#include "random_data.hpp"

namespace etchsim::numerics {
namespace {

using gguf::GgmlType;

TEST(VecDotType, FollowsGgmlTable) {
  EXPECT_EQ(vec_dot_type(GgmlType::F32), GgmlType::F32);
  EXPECT_EQ(vec_dot_type(GgmlType::F16), GgmlType::F16);
  EXPECT_EQ(vec_dot_type(GgmlType::BF16), GgmlType::BF16);
  for (GgmlType t : {GgmlType::Q4_0, GgmlType::Q5_0, GgmlType::Q8_0}) {
    EXPECT_EQ(vec_dot_type(t), GgmlType::Q8_0);
  }
  for (GgmlType t : {GgmlType::Q4_1, GgmlType::Q5_1}) EXPECT_EQ(vec_dot_type(t), GgmlType::Q8_1);
  for (GgmlType t :
       {GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K}) {
    EXPECT_EQ(vec_dot_type(t), GgmlType::Q8_K);
  }
  EXPECT_THROW(vec_dot_type(GgmlType::IQ2_XS), std::invalid_argument);
  EXPECT_FALSE(is_supported_weight_type(GgmlType::Q8_K));
}

TEST(Activation, PreparesTheVecDotType) {
  const std::vector<float> x = test_data::random_vector(512, 7);
  for (GgmlType t : test_data::all_weight_types()) {
    const Activation a(t, x);
    EXPECT_EQ(a.type(), vec_dot_type(t));
    EXPECT_EQ(a.size(), 512);
  }
}

TEST(Activation, F32IsUnchangedF16AndBf16AreRounded) {
  const std::vector<float> x = {1.0f, 1.0f + 0x1p-12f, -3.14159f, 65519.0f};
  const Activation f(GgmlType::F32, x);
  EXPECT_EQ(std::vector<float>(f.f32().begin(), f.f32().end()), x);
  const Activation h(GgmlType::F16, x);
  const Activation b(GgmlType::BF16, x);
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(h.half()[i], gguf::fp32_to_fp16(x[i]));
    EXPECT_EQ(b.half()[i], gguf::fp32_to_bf16(x[i]));
  }
  EXPECT_EQ(h.half()[1], gguf::fp32_to_fp16(1.0f));  // 1 + 2^-12 ties to even
}

TEST(Activation, QuantisedBlocksAreTheGgufQuantisers) {
  const std::vector<float> x = test_data::random_vector(768, 11);
  std::vector<gguf::BlockQ8_0> q80(768 / 32);
  gguf::quantize_activation_q8_0(x, q80);
  std::vector<gguf::BlockQ8_1> q81(768 / 32);
  gguf::quantize_activation_q8_1(x, q81);
  std::vector<gguf::BlockQ8_K> q8k(768 / 256);
  gguf::quantize_activation_q8_k(x, q8k);
  const Activation a0(GgmlType::Q4_0, x), a1(GgmlType::Q5_1, x), ak(GgmlType::Q6_K, x);
  EXPECT_EQ(std::memcmp(a0.q8_0().data(), q80.data(), q80.size() * sizeof(q80[0])), 0);
  EXPECT_EQ(std::memcmp(a1.q8_1().data(), q81.data(), q81.size() * sizeof(q81[0])), 0);
  EXPECT_EQ(std::memcmp(ak.q8_k().data(), q8k.data(), q8k.size() * sizeof(q8k[0])), 0);
}

TEST(Activation, RejectsPartialBlocks) {
  const std::vector<float> x(96, 1.0f);
  EXPECT_THROW(Activation(GgmlType::Q4_K, x), std::invalid_argument);
  EXPECT_NO_THROW(Activation(GgmlType::Q4_0, x));
}

}  // namespace
}  // namespace etchsim::numerics
