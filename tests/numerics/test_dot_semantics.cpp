// Every block dot product against a plain double-precision dot of the dequantised weights and
// the dequantised activation: proves the block layouts and scales, not the rounding.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "etchsim/gguf/dequantize.hpp"
#include "etchsim/gguf/fp16.hpp"
#include "etchsim/numerics/dot.hpp"
#include "etchsim/numerics/float_dot.hpp"
#include "random_data.hpp"

namespace etchsim::numerics {
namespace {

using gguf::GgmlType;

std::vector<float> dequantised_activation(const Activation& a) {
  std::vector<float> out(static_cast<size_t>(a.size()));
  switch (a.type()) {
    case GgmlType::F32:
      return {a.f32().begin(), a.f32().end()};
    case GgmlType::F16:
    case GgmlType::BF16:
      for (size_t i = 0; i < out.size(); ++i) {
        out[i] = a.type() == GgmlType::F16 ? gguf::fp16_to_fp32(a.half()[i])
                                           : gguf::bf16_to_fp32(a.half()[i]);
      }
      return out;
    case GgmlType::Q8_0:
      for (size_t i = 0; i < out.size(); ++i) {
        out[i] = gguf::fp16_to_fp32(a.q8_0()[i / 32].d) * a.q8_0()[i / 32].qs[i % 32];
      }
      return out;
    case GgmlType::Q8_1:
      for (size_t i = 0; i < out.size(); ++i) {
        out[i] = gguf::fp16_to_fp32(a.q8_1()[i / 32].d) * a.q8_1()[i / 32].qs[i % 32];
      }
      return out;
    default:
      for (size_t i = 0; i < out.size(); ++i) {
        out[i] = a.q8_k()[i / 256].d * a.q8_k()[i / 256].qs[i % 256];
      }
      return out;
  }
}

class DotSemantics : public ::testing::TestWithParam<GgmlType> {};

TEST_P(DotSemantics, MatchesDoubleDotOfDequantisedValues) {
  const GgmlType type = GetParam();
  const int64_t cols = 768;
  const auto m = test_data::random_matrix(type, 8, cols, 5);
  const size_t row_bytes = gguf::row_bytes(type, cols);
  // Q4_1 / Q5_1 use the fp16-rounded activation sum s for the min term (pitfall 7).
  const bool min_via_s = type == GgmlType::Q4_1 || type == GgmlType::Q5_1;
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    const Activation x(type, test_data::random_vector(cols, seed));
    const std::vector<float> a = dequantised_activation(x);
    for (int64_t r = 0; r < 8; ++r) {
      const auto row = std::span(m.bytes).subspan(static_cast<size_t>(r) * row_bytes, row_bytes);
      std::vector<float> w(static_cast<size_t>(cols));
      gguf::dequantize(type, row, w);
      double ref = 0.0, mag = 0.0;
      for (size_t i = 0; i < w.size(); ++i) {
        ref += static_cast<double>(w[i]) * a[i];
        mag += std::fabs(static_cast<double>(w[i]) * a[i]);
      }
      const double tol = (min_via_s ? 2e-3 : 1e-5) * mag + 1e-30;
      for (const CpuProfile profile : test_data::kAllProfiles) {
        for (DotOrder order : {DotOrder::VecDot, DotOrder::Repacked}) {
          if (!has_dot_order(type, order)) continue;
          EXPECT_NEAR(dot_row(type, order, profile, row, x), ref, tol)
              << gguf::traits(type).name << " row " << r << " seed " << seed << " "
              << cpu_profile_name(profile);
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, DotSemantics, ::testing::ValuesIn(test_data::all_weight_types()),
                         test_data::type_name);

TEST(DotOrder, RepackRuleFollowsCpuRepack) {
  for (const CpuProfile p : test_data::kAllProfiles) {
    EXPECT_EQ(default_dot_order(GgmlType::Q4_0, 4096, p), DotOrder::Repacked);
    EXPECT_EQ(default_dot_order(GgmlType::Q4_K, 14336, p), DotOrder::Repacked);
    EXPECT_EQ(default_dot_order(GgmlType::Q4_0, 33, p), DotOrder::VecDot);
    EXPECT_EQ(default_dot_order(GgmlType::Q4_K, 7, p), DotOrder::VecDot);
    for (GgmlType t : {GgmlType::Q8_0, GgmlType::Q3_K, GgmlType::Q5_K, GgmlType::Q6_K,
                       GgmlType::F16, GgmlType::F32, GgmlType::Q4_1}) {
      EXPECT_EQ(default_dot_order(t, 4096, p), DotOrder::VecDot);
      EXPECT_FALSE(has_dot_order(t, DotOrder::Repacked));
    }
  }
  // The q2_K 8x8 repack needs AVX-512.
  EXPECT_EQ(default_dot_order(GgmlType::Q2_K, 1024, CpuProfile::Zen4), DotOrder::Repacked);
  EXPECT_EQ(default_dot_order(GgmlType::Q2_K, 1024, CpuProfile::Haswell), DotOrder::VecDot);
}

TEST(DotRow, RejectsMismatchedActivationOrOrder) {
  const auto m = test_data::random_matrix(GgmlType::Q8_0, 1, 64, 1);
  const Activation wrong(GgmlType::Q4_K, test_data::random_vector(256, 1));
  EXPECT_THROW(dot_row(GgmlType::Q8_0, DotOrder::VecDot, kDefaultCpuProfile, m.bytes, wrong),
               std::invalid_argument);
  const Activation x(GgmlType::Q8_0, test_data::random_vector(64, 1));
  EXPECT_THROW(dot_row(GgmlType::Q8_0, DotOrder::Repacked, kDefaultCpuProfile, m.bytes, x),
               std::invalid_argument);
}

// The F32 order: a tail beyond the 32- or 64-element body is added one by one; the body reduction
// is exact for small integers, so both are checked at once.
TEST(FloatDot, IntegerValuedInputsAreExact) {
  std::vector<float> a(64 * 3 + 5), b(a.size());
  double ref = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = static_cast<float>(static_cast<int>(i % 13) - 6);
    b[i] = static_cast<float>(static_cast<int>(i % 7) - 3);
    ref += static_cast<double>(a[i]) * b[i];
  }
  for (const CpuProfile p : test_data::kAllProfiles) {
    EXPECT_EQ(dot_f32_order(p, a, b), static_cast<float>(ref));
    EXPECT_EQ(dot_f16_order(p, a, b), static_cast<float>(ref));
  }
}

// Haswell's vec_dot horizontal sum is ((t0+t1) + (t2+t3)) with t_i = v_i + v_{i+4}: the ones in
// lanes 2 and 3 meet each other before 2^24 (hsum8, the quantised dots' sum, adds each to 2^24
// first and loses both to round-half-even).
TEST(FloatDot, HaswellHorizontalSumPairsByHadd) {
  const float v[8] = {16777216.0f, 0.0f, 1.0f, 1.0f, 0.0f, 0.0f, 0.0f, 0.0f};
  EXPECT_EQ(reduce_hadd8(v), 16777218.0f);
}

}  // namespace
}  // namespace etchsim::numerics
