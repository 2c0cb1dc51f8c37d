// The interleaved layouts q4_0x8 and q4_Kx8 (repack.hpp): they read back as the file's blocks,
// and the fast kernels on them give the scalar reference's bits on the file's layout, on every
// SIMD target compiled in and supported here, for both profiles, matvec and prompt batches of
// 1..17 tokens, whole groups of 8 rows and tails.
// dot_simd.cpp compiles the AVX3_DL (AVX-512 VNNI) target too; list it here as well.
#define HWY_WANT_AVX3_DL
#include <gtest/gtest.h>
#include <hwy/targets.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <vector>

#include "etchsim/numerics/matvec.hpp"
#include "etchsim/numerics/repack.hpp"
#include "random_data.hpp"
#include "target_mock.hpp"

namespace etchsim::numerics {
namespace {

using gguf::GgmlType;

std::vector<std::byte> interleaved(const test_data::RandomMatrix& m) {
  std::vector<std::byte> out(m.bytes.size());
  interleave_rows8(m.matrix.type, m.bytes, m.matrix.rows, m.matrix.cols, out);
  return out;
}

// Column counts of both types' blocks (32 and 256 elements), one block to many.
std::vector<int64_t> test_cols(GgmlType type) {
  if (type == GgmlType::Q4_K) return {256, 768, 4096 + 256};
  return {32, 96, 4096 + 256};
}

class Interleaved : public ::testing::TestWithParam<GgmlType> {};

void expect_same_bits(std::span<const float> fast, std::span<const float> ref) {
  ASSERT_EQ(fast.size(), ref.size());
  for (size_t i = 0; i < ref.size(); ++i) {
    ASSERT_EQ(std::bit_cast<uint32_t>(fast[i]), std::bit_cast<uint32_t>(ref[i]))
        << "row " << i << ": " << fast[i] << " vs " << ref[i];
  }
}

TEST_P(Interleaved, ReadsBackAsTheFileBlocks) {
  const GgmlType type = GetParam();
  const auto block_bytes = static_cast<size_t>(gguf::traits(type).block_bytes);
  const int64_t block_elems = gguf::traits(type).block_elems;
  for (const int64_t cols : test_cols(type)) {
    for (const int64_t rows : {1, 7, 8, 9, 17, 24}) {
      const auto m = test_data::random_matrix(type, rows, cols, 5);
      const std::vector<std::byte> packed = interleaved(m);
      const size_t row_bytes = gguf::row_bytes(type, cols);
      std::vector<std::byte> got(block_bytes);
      for (int64_t r = 0; r < rows; ++r) {
        for (int64_t b = 0; b < cols / block_elems; ++b) {
          interleaved_block(type, packed, rows, cols, r, b, got);
          ASSERT_EQ(std::memcmp(got.data(),
                                m.bytes.data() + static_cast<size_t>(r) * row_bytes +
                                    static_cast<size_t>(b) * block_bytes,
                                block_bytes),
                    0)
              << "rows " << rows << " cols " << cols << " row " << r << " block " << b;
        }
      }
    }
  }
}

TEST(Interleave, RejectsSizesAndTypesThatDoNotFit) {
  std::vector<std::byte> in(18 * 8), out(18 * 8), block(18);
  EXPECT_NO_THROW(interleave_rows8(GgmlType::Q4_0, in, 8, 32, out));
  EXPECT_THROW(interleave_rows8(GgmlType::Q4_0, in, 8, 64, out), std::invalid_argument);
  EXPECT_THROW(interleave_rows8(GgmlType::Q4_0, in, 8, 32, std::span(out).first(18)),
               std::invalid_argument);
  EXPECT_THROW(interleave_rows8(GgmlType::Q8_0, in, 8, 32, out), std::invalid_argument);
  EXPECT_THROW(interleaved_block(GgmlType::Q4_0, in, 8, 32, 8, 0, block), std::out_of_range);
  EXPECT_THROW(interleaved_block(GgmlType::Q4_0, in, 8, 32, 0, 0, std::span(block).first(4)),
               std::out_of_range);
}

// The fast kernels on the interleaved copy against the scalar reference on the file's layout.
// `data` is zeroed in the fast runs, so a kernel that read it instead of the copy would fail.
TEST_P(Interleaved, FastKernelsOnTheCopyEqualScalarOnTheFile) {
  const GgmlType type = GetParam();
  const std::vector<int64_t> targets = hwy::SupportedAndGeneratedTargets();
  ASSERT_FALSE(targets.empty());
  constexpr size_t kTokens = 17;
  for (const int64_t cols : test_cols(type)) {
    for (const int64_t rows : {1, 3, 7, 8, 9, 16, 17, 33, 200}) {
      const auto m =
          test_data::random_matrix(type, rows, cols, 77 + static_cast<uint64_t>(rows * cols));
      const std::vector<std::byte> packed = interleaved(m);
      const std::vector<std::byte> zeros(m.bytes.size());
      WeightMatrix w = m.matrix;
      w.data = zeros;
      w.interleaved = packed;
      std::vector<Activation> acts;
      for (uint64_t t = 0; t < kTokens; ++t) {
        acts.emplace_back(type, test_data::random_vector(static_cast<size_t>(cols), 300 + t));
      }
      for (const CpuProfile profile : test_data::kAllProfiles) {
        std::vector<std::vector<float>> ref(kTokens, std::vector<float>(rows));
        for (size_t t = 0; t < kTokens; ++t) {
          matvec(m.matrix, acts[t], ref[t], DotOrder::Repacked, profile, Kernel::Scalar);
        }
        for (const int64_t target : targets) {
          const TargetMock mock(target);
          SCOPED_TRACE(::testing::Message()
                       << hwy::TargetName(target) << " rows " << rows << " cols " << cols << " "
                       << cpu_profile_name(profile));
          std::vector<float> single(static_cast<size_t>(rows));
          matvec(w, acts[0], single, DotOrder::Repacked, profile, Kernel::Fast);
          expect_same_bits(single, ref[0]);
          for (size_t n = 1; n <= kTokens; ++n) {
            std::vector<std::vector<float>> out(n, std::vector<float>(rows));
            std::vector<const Activation*> xs;
            std::vector<std::span<float>> ys;
            for (size_t t = 0; t < n; ++t) {
              xs.push_back(&acts[t]);
              ys.emplace_back(out[t]);
            }
            matmat(w, xs, ys, DotOrder::Repacked, profile, Kernel::Fast);
            for (size_t t = 0; t < n; ++t) {
              SCOPED_TRACE(::testing::Message() << "batch " << n << " token " << t);
              expect_same_bits(out[t], ref[t]);
            }
          }
        }
      }
    }
  }
}

// Only the Repacked order reads the copy: vec_dot and the scalar kernel read `data`.
TEST_P(Interleaved, OtherPathsReadTheFileLayout) {
  const GgmlType type = GetParam();
  const auto m = test_data::random_matrix(type, 16, 256, 9);
  std::vector<std::byte> garbage(m.bytes.size(), std::byte{0x5A});
  WeightMatrix w = m.matrix;
  w.interleaved = garbage;
  const Activation a(type, test_data::random_vector(256, 2));
  for (const auto& [order, kernel] :
       {std::pair{DotOrder::VecDot, Kernel::Fast}, std::pair{DotOrder::Repacked, Kernel::Scalar}}) {
    std::vector<float> ref(16), got(16);
    matvec(m.matrix, a, ref, order, kDefaultCpuProfile, Kernel::Scalar);
    matvec(w, a, got, order, kDefaultCpuProfile, kernel);
    expect_same_bits(got, ref);
  }
  EXPECT_TRUE(has_interleaved_layout(type, DotOrder::Repacked));
  EXPECT_FALSE(has_interleaved_layout(type, DotOrder::VecDot));
  EXPECT_FALSE(has_interleaved_layout(GgmlType::Q2_K, DotOrder::Repacked));
}

INSTANTIATE_TEST_SUITE_P(Types, Interleaved, ::testing::Values(GgmlType::Q4_0, GgmlType::Q4_K),
                         test_data::type_name);

}  // namespace
}  // namespace etchsim::numerics
