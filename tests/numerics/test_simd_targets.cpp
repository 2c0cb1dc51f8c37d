// The fast kernels of every SIMD target compiled in and supported by this CPU (Highway dynamic
// dispatch, e.g. AVX2 and AVX-512 on an AVX-512 machine) are bit-identical to the scalar
// reference: the other tests only see the best target. Covers the 8-row Repacked kernels, the
// register-decoded K-quants and the prompt batches (matmat), with 8-row groups, a tail and the
// parallel split.
// dot_simd.cpp compiles the AVX3_DL (AVX-512 VNNI) target too; list it here as well.
#define HWY_WANT_AVX3_DL
#include <gtest/gtest.h>
#include <hwy/targets.h>

#include <bit>
#include <cstdint>
#include <span>
#include <vector>

#include "etchsim/numerics/matvec.hpp"
#include "random_data.hpp"
#include "target_mock.hpp"

namespace etchsim::numerics {
namespace {

using gguf::GgmlType;

void expect_same_bits(std::span<const float> fast, std::span<const float> ref) {
  ASSERT_EQ(fast.size(), ref.size());
  for (size_t i = 0; i < ref.size(); ++i) {
    ASSERT_EQ(std::bit_cast<uint32_t>(fast[i]), std::bit_cast<uint32_t>(ref[i]))
        << "row " << i << ": " << fast[i] << " vs " << ref[i];
  }
}

TEST(SimdTargets, EveryTargetBitIdenticalToScalar) {
  const std::vector<int64_t> targets = hwy::SupportedAndGeneratedTargets();
  ASSERT_FALSE(targets.empty());
  constexpr int64_t kCols = 4096;
  for (const GgmlType type : {GgmlType::Q4_0, GgmlType::Q4_K, GgmlType::Q3_K, GgmlType::Q6_K}) {
    for (const int64_t rows : {int64_t{17}, int64_t{200}}) {  // 200 x 4096 runs in parallel
      const auto m = test_data::random_matrix(type, rows, kCols, 31 + static_cast<uint64_t>(rows));
      std::vector<Activation> acts;
      for (uint64_t t = 0; t < 15; ++t) {  // passes of 8, 4, 2 and 1 tokens
        acts.emplace_back(type, test_data::random_vector(static_cast<size_t>(kCols), 90 + t));
      }
      for (const DotOrder order : {DotOrder::VecDot, DotOrder::Repacked}) {
        if (!has_dot_order(type, order)) continue;
        std::vector<std::vector<float>> ref(acts.size(), std::vector<float>(rows));
        for (size_t t = 0; t < acts.size(); ++t) {
          matvec(m.matrix, acts[t], ref[t], order, kDefaultCpuProfile, Kernel::Scalar);
        }
        for (const int64_t target : targets) {
          const TargetMock mock(target);
          SCOPED_TRACE(::testing::Message()
                       << hwy::TargetName(target) << " " << gguf::traits(type).name << " rows "
                       << rows << " order " << static_cast<int>(order));
          std::vector<std::vector<float>> out(acts.size(), std::vector<float>(rows));
          std::vector<const Activation*> xs;
          std::vector<std::span<float>> ys;
          for (size_t t = 0; t < acts.size(); ++t) {
            xs.push_back(&acts[t]);
            ys.emplace_back(out[t]);
          }
          matmat(m.matrix, xs, ys, order, kDefaultCpuProfile);
          std::vector<float> single(static_cast<size_t>(rows));
          matvec(m.matrix, acts[0], single, order, kDefaultCpuProfile, Kernel::Fast);
          expect_same_bits(single, ref[0]);
          for (size_t t = 0; t < acts.size(); ++t) expect_same_bits(out[t], ref[t]);
        }
      }
    }
  }
}

}  // namespace
}  // namespace etchsim::numerics
