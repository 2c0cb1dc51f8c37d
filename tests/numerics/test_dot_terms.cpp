// The integer / fp32 split of dot_terms.hpp reproduces dot_row bit for bit for every type and
// order the RTL builds, and its integers are the exact block sums.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <span>
#include <vector>

#include "etchsim/numerics/dot.hpp"
#include "etchsim/numerics/dot_terms.hpp"
#include "random_data.hpp"

namespace etchsim::numerics {
namespace {

using gguf::GgmlType;

struct Case {
  GgmlType type;
  DotOrder order;
};

class DotTerms : public ::testing::TestWithParam<Case> {};

TEST_P(DotTerms, TermsThenFp32StepsEqualDotRow) {
  const auto [type, order] = GetParam();
  const int64_t cols = 768;
  const int64_t rows = 16;
  const auto m = test_data::random_matrix(type, rows, cols, 11);
  const size_t row_bytes = gguf::row_bytes(type, cols);
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    // Larger activations make lanes wide enough that (float)lane rounds.
    const Activation x(type, test_data::random_vector(cols, seed, seed == 4 ? 50.0f : 1.0f));
    for (int64_t r = 0; r < rows; ++r) {
      const std::span<const std::byte> row(m.bytes.data() + r * row_bytes, row_bytes);
      const std::vector<int32_t> terms = dot_row_terms(type, order, row, x);
      const float expected = dot_row(type, order, CpuProfile::Haswell, row, x);
      const float got = dot_row_from_terms(type, order, row, x, terms);
      ASSERT_EQ(std::bit_cast<uint32_t>(got), std::bit_cast<uint32_t>(expected))
          << gguf::traits(type).name << " row " << r << " seed " << seed;
    }
  }
}

TEST_P(DotTerms, LanesSumToTheExactDot) {
  const auto [type, order] = GetParam();
  const DotForm form = *dot_form(type, order);
  const int64_t cols = 512;
  const auto m = test_data::random_matrix(type, 1, cols, 3);
  const Activation x(type, test_data::random_vector(cols, 9));
  const ActivationCodes a = activation_codes(x);
  const auto terms = dot_row_terms(type, order, m.bytes, x);
  const size_t block_bytes = gguf::traits(type).block_bytes;
  for (size_t b = 0; b < a.d.size(); ++b) {
    const BlockCodes w = decode_block_codes(
        type, std::span<const std::byte>(m.bytes).subspan(b * block_bytes, block_bytes));
    int64_t exact = 0;
    for (int e = 0; e < form.block_elems; ++e) {
      const int64_t scale = form.scaled_groups ? w.group_scale[e / 16] : 1;
      exact += scale * (raw_code_value(form, w.code[e]) + form.code_offset) *
               a.q[b * static_cast<size_t>(form.block_elems) + static_cast<size_t>(e)];
    }
    if (form.sub_block_term ==
        SubBlockTerm::MainLane) {  // Q6_K: u = q + 32, minus 32 x scale x asum
      for (int e = 0; e < form.block_elems; ++e) {
        exact += w.sub_block_mult[e / 16] *
                 a.q[b * static_cast<size_t>(form.block_elems) + static_cast<size_t>(e)];
      }
    }
    int64_t lanes = 0;
    // Main lanes only: Q4_K's min lanes carry the second (dmin) term.
    const size_t per_block = static_cast<size_t>(form.lanes + form.min_lanes);
    for (int l = 0; l < form.lanes; ++l) lanes += terms[b * per_block + static_cast<size_t>(l)];
    EXPECT_EQ(lanes, exact) << "block " << b;
  }
}

INSTANTIATE_TEST_SUITE_P(Rtl, DotTerms,
                         ::testing::Values(Case{GgmlType::Q4_0, DotOrder::VecDot},
                                           Case{GgmlType::Q4_0, DotOrder::Repacked},
                                           Case{GgmlType::Q5_0, DotOrder::VecDot},
                                           Case{GgmlType::Q8_0, DotOrder::VecDot},
                                           Case{GgmlType::Q3_K, DotOrder::VecDot},
                                           Case{GgmlType::Q4_K, DotOrder::VecDot},
                                           Case{GgmlType::Q4_K, DotOrder::Repacked},
                                           Case{GgmlType::Q6_K, DotOrder::VecDot}),
                         [](const auto& test) {
                           return std::string(gguf::traits(test.param.type).name) +
                                  (test.param.order == DotOrder::VecDot ? "_vecdot" : "_repacked");
                         });

TEST(DotTermsErrors, UnsupportedTypesAreNamed) {
  EXPECT_FALSE(dot_form(GgmlType::Q2_K, DotOrder::VecDot).has_value());
  EXPECT_FALSE(dot_form(GgmlType::Q8_0, DotOrder::Repacked).has_value());
  const auto m = test_data::random_matrix(GgmlType::Q5_K, 1, 256, 1);
  const Activation x(GgmlType::Q5_K, test_data::random_vector(256, 1));
  try {
    dot_row_terms(GgmlType::Q5_K, DotOrder::VecDot, m.bytes, x);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("q5_K"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace etchsim::numerics
