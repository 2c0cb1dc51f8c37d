// The fast (SIMD, threaded) matvec is bit-identical to the scalar reference for every type, both
// orders, both CPU profiles, awkward shapes, several seeds and any number of TBB threads.
#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <bit>
#include <cstddef>
#include <cstring>
#include <span>
#include <vector>

#include "etchsim/gguf/blocks.hpp"
#include "etchsim/gguf/fp16.hpp"
#include "etchsim/numerics/float_dot.hpp"
#include "etchsim/numerics/matvec.hpp"
#include "random_data.hpp"

namespace etchsim::numerics {
namespace {

using gguf::GgmlType;

void expect_bit_identical(const std::vector<float>& fast, const std::vector<float>& ref,
                          const char* what) {
  ASSERT_EQ(fast.size(), ref.size());
  for (size_t i = 0; i < ref.size(); ++i) {
    ASSERT_EQ(std::bit_cast<uint32_t>(fast[i]), std::bit_cast<uint32_t>(ref[i]))
        << what << " row " << i << ": " << fast[i] << " vs " << ref[i];
  }
}

class FastKernels : public ::testing::TestWithParam<GgmlType> {};

TEST_P(FastKernels, BitIdenticalToScalar) {
  const GgmlType type = GetParam();
  const int64_t block = gguf::traits(type).block_elems;
  for (int64_t cols : {32, 96, 256, 768, 4096 + 256}) {
    if (cols % block != 0 || cols % 32 != 0) continue;
    for (int64_t rows : {1, 3, 7, 8, 16, 17, 33}) {  // 8-row groups and tails
      for (uint64_t seed : {1u, 2u}) {
        const auto m =
            test_data::random_matrix(type, rows, cols, seed * 1000 + static_cast<uint64_t>(rows));
        const Activation x(type, test_data::random_vector(static_cast<size_t>(cols), seed + 17));
        for (const CpuProfile profile : test_data::kAllProfiles) {
          for (DotOrder order : {DotOrder::VecDot, DotOrder::Repacked}) {
            if (!has_dot_order(type, order)) continue;
            std::vector<float> ref(static_cast<size_t>(rows)), fast(ref.size());
            matvec(m.matrix, x, ref, order, profile, Kernel::Scalar);
            matvec(m.matrix, x, fast, order, profile, Kernel::Fast);
            SCOPED_TRACE(::testing::Message()
                         << "cols " << cols << " rows " << rows << " seed " << seed << " order "
                         << static_cast<int>(order) << " " << cpu_profile_name(profile));
            expect_bit_identical(fast, ref, gguf::traits(type).name.data());
          }
        }
      }
    }
  }
}

TEST_P(FastKernels, ThreadCountDoesNotChangeResults) {
  const GgmlType type = GetParam();
  const int64_t rows = 200, cols = 4096;  // above the parallel threshold
  const auto m = test_data::random_matrix(type, rows, cols, 99);
  const std::vector<float> x = test_data::random_vector(cols, 3);
  for (const CpuProfile profile : test_data::kAllProfiles) {
    std::vector<float> one(rows), many(rows), scalar(rows);
    {
      tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
      matvec(m.matrix, x, one, profile);
    }
    {
      tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 8);
      matvec(m.matrix, x, many, profile);
    }
    matvec(m.matrix, x, scalar, profile, Kernel::Scalar);
    expect_bit_identical(many, one, "threads");
    expect_bit_identical(one, scalar, "scalar");
  }
}

// Prefill: matmat over several tokens gives each token's matvec bits, serial and parallel
// (200 x 4096 is above the parallel threshold), whole groups of 8 rows and a tail.
TEST_P(FastKernels, MatmatEqualsMatvecPerToken) {
  const GgmlType type = GetParam();
  for (const int64_t rows : {int64_t{13}, int64_t{200}}) {
    const int64_t cols = 4096;
    const auto m = test_data::random_matrix(type, rows, cols, 7 + static_cast<uint64_t>(rows));
    std::vector<Activation> acts;
    for (uint64_t t = 0; t < 18; ++t) {  // more than one pass of 16 tokens
      acts.emplace_back(type, test_data::random_vector(static_cast<size_t>(cols), 40 + t));
    }
    for (const CpuProfile profile : test_data::kAllProfiles) {
      for (DotOrder order : {DotOrder::VecDot, DotOrder::Repacked}) {
        if (!has_dot_order(type, order)) continue;
        std::vector<std::vector<float>> out(acts.size(), std::vector<float>(rows));
        std::vector<const Activation*> xs;
        std::vector<std::span<float>> ys;
        for (size_t t = 0; t < acts.size(); ++t) {
          xs.push_back(&acts[t]);
          ys.emplace_back(out[t]);
        }
        matmat(m.matrix, xs, ys, order, profile);
        for (size_t t = 0; t < acts.size(); ++t) {
          std::vector<float> ref(static_cast<size_t>(rows));
          matvec(m.matrix, acts[t], ref, order, profile, Kernel::Scalar);
          SCOPED_TRACE(::testing::Message()
                       << "rows " << rows << " token " << t << " " << cpu_profile_name(profile));
          expect_bit_identical(out[t], ref, "matmat");
        }
      }
    }
  }
}

TEST(Matvec, MatmatRejectsMismatchedLists) {
  const auto m = test_data::random_matrix(GgmlType::Q8_0, 4, 64, 4);
  const Activation a(GgmlType::Q8_0, test_data::random_vector(64, 1));
  const Activation short_a(GgmlType::Q8_0, test_data::random_vector(32, 1));
  std::vector<float> y(4);
  const std::vector<const Activation*> one{&a}, two{&a, &a}, bad{&short_a};
  const std::vector<std::span<float>> ys{std::span<float>(y)};
  EXPECT_THROW(matmat(m.matrix, two, ys, DotOrder::VecDot, kDefaultCpuProfile),
               std::invalid_argument);
  EXPECT_THROW(matmat(m.matrix, bad, ys, DotOrder::VecDot, kDefaultCpuProfile),
               std::invalid_argument);
  EXPECT_NO_THROW(matmat(m.matrix, one, ys, DotOrder::VecDot, kDefaultCpuProfile));
}

INSTANTIATE_TEST_SUITE_P(AllTypes, FastKernels, ::testing::ValuesIn(test_data::all_weight_types()),
                         test_data::type_name);

// Every code at its largest (or smallest) value and every activation code at +-127: the integer
// bounds the SIMD kernels rely on (int16 pair sums, int32 lanes) hold at the extremes.
void set_field(std::vector<std::byte>& bytes, size_t block_bytes, size_t offset, size_t size,
               uint8_t value) {
  for (size_t b = 0; b + block_bytes <= bytes.size(); b += block_bytes) {
    std::memset(bytes.data() + b + offset, value, size);
  }
}

TEST(Matvec, ExtremeCodesStayExact) {
  struct Field {
    size_t offset, size;
  };
  struct Case {
    GgmlType type;
    std::vector<Field> codes;  // qs / ql / qh / hmask / scales
  };
  const std::vector<Case> cases = {
      {GgmlType::Q4_0, {{offsetof(gguf::BlockQ4_0, qs), 16}}},
      {GgmlType::Q4_K,
       {{offsetof(gguf::BlockQ4_K, qs), 128}, {offsetof(gguf::BlockQ4_K, scales), 12}}},
      {GgmlType::Q3_K,
       {{offsetof(gguf::BlockQ3_K, qs), 64},
        {offsetof(gguf::BlockQ3_K, hmask), 32},
        {offsetof(gguf::BlockQ3_K, scales), 12}}},
      {GgmlType::Q6_K,
       {{offsetof(gguf::BlockQ6_K, ql), 128},
        {offsetof(gguf::BlockQ6_K, qh), 64},
        {offsetof(gguf::BlockQ6_K, scales), 16}}},
  };
  const int64_t rows = 16, cols = 512;
  for (const Case& c : cases) {
    for (const uint8_t fill : {uint8_t{0xFF}, uint8_t{0x00}, uint8_t{0x80}}) {
      auto m = test_data::random_matrix(c.type, rows, cols, 5);
      for (const Field& f : c.codes) {
        set_field(m.bytes, static_cast<size_t>(gguf::traits(c.type).block_bytes), f.offset, f.size,
                  fill);
      }
      for (const float sign : {1.0f, -1.0f}) {
        std::vector<float> x(cols, sign);
        x[3] = -sign;  // one code of the other sign per 256
        const Activation a(c.type, x);
        for (const CpuProfile profile : test_data::kAllProfiles) {
          for (DotOrder order : {DotOrder::VecDot, DotOrder::Repacked}) {
            if (!has_dot_order(c.type, order)) continue;
            std::vector<float> ref(rows), fast(rows);
            matvec(m.matrix, a, ref, order, profile, Kernel::Scalar);
            matvec(m.matrix, a, fast, order, profile, Kernel::Fast);
            SCOPED_TRACE(::testing::Message()
                         << gguf::traits(c.type).name << " fill " << int{fill} << " sign " << sign);
            expect_bit_identical(fast, ref, "extreme");
          }
        }
      }
    }
  }
}

// Attention's float dots on the SIMD unit equal the reference orders for every tail length.
TEST(FloatDot, FastEqualsOrder) {
  for (size_t n : {size_t{1}, size_t{7}, size_t{31}, size_t{64}, size_t{100}, size_t{128},
                   size_t{200}, size_t{1031}}) {
    std::vector<float> a = test_data::random_vector(n, 3 + n), b = test_data::random_vector(n, 9);
    for (const CpuProfile profile : test_data::kAllProfiles) {
      EXPECT_EQ(std::bit_cast<uint32_t>(dot_f32_fast(profile, a, b)),
                std::bit_cast<uint32_t>(dot_f32_order(profile, a, b)))
          << n;
      // The f16 order takes values exact in f16.
      std::vector<float> ha(a), hb(b);
      for (float& v : ha) v = gguf::fp16_to_fp32(gguf::fp32_to_fp16(v));
      for (float& v : hb) v = gguf::fp16_to_fp32(gguf::fp32_to_fp16(v));
      EXPECT_EQ(std::bit_cast<uint32_t>(dot_f16_fast(profile, ha, hb)),
                std::bit_cast<uint32_t>(dot_f16_order(profile, ha, hb)))
          << n;
    }
  }
}

TEST(Matvec, DefaultOrderIsTheRepackRule) {
  const auto m = test_data::random_matrix(GgmlType::Q4_0, 16, 256, 4);
  const std::vector<float> x = test_data::random_vector(256, 4);
  const Activation a(GgmlType::Q4_0, x);
  std::vector<float> y(16), repacked(16), vecdot(16);
  matvec(m.matrix, x, y, CpuProfile::Haswell);
  matvec(m.matrix, a, repacked, DotOrder::Repacked, CpuProfile::Haswell);
  matvec(m.matrix, a, vecdot, DotOrder::VecDot, CpuProfile::Haswell);
  expect_bit_identical(y, repacked, "default");
  EXPECT_NE(repacked, vecdot);  // the orders round differently somewhere in 16 rows
}

TEST(Matvec, RejectsWrongShapes) {
  const auto m = test_data::random_matrix(GgmlType::Q8_0, 4, 64, 4);
  std::vector<float> x(32), y(4);
  EXPECT_THROW(matvec(m.matrix, x, y, kDefaultCpuProfile), std::invalid_argument);
  std::vector<float> x64(64), y3(3);
  EXPECT_THROW(matvec(m.matrix, x64, y3, kDefaultCpuProfile), std::invalid_argument);
}

}  // namespace
}  // namespace etchsim::numerics
