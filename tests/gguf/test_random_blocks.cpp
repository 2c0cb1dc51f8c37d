// Random tensor data written directly in block formats (synth's fast path).
#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "etchsim/gguf/dequantize.hpp"
#include "etchsim/gguf/random_blocks.hpp"

namespace etchsim::gguf {
namespace {

std::vector<GgmlType> supported_types() {
  std::vector<GgmlType> types;
  for (int32_t id = 0; id < kGgmlTypeCount; ++id) {
    const auto t = find_traits(id);
    if (t && t->etchsim_dequantizes) types.push_back(static_cast<GgmlType>(id));
  }
  return types;
}

// About `bytes` bytes, rounded down to whole blocks.
std::vector<std::byte> random_bytes(GgmlType type, uint64_t seed, float stddev, size_t bytes) {
  const auto block = static_cast<size_t>(traits(type).block_bytes);
  std::vector<std::byte> out(bytes / block * block);
  fill_random_blocks(type, seed, stddev, out);
  return out;
}

std::vector<float> values(GgmlType type, const std::vector<std::byte>& bytes) {
  const TypeTraits& t = traits(type);
  std::vector<float> v(bytes.size() / static_cast<size_t>(t.block_bytes) *
                       static_cast<size_t>(t.block_elems));
  dequantize(type, bytes, v);
  return v;
}

class RandomBlocks : public ::testing::TestWithParam<GgmlType> {};

// Several chunks, so the parallel path runs too.
constexpr size_t kBytes = 300 * 1024;

TEST_P(RandomBlocks, DeterministicAndSeedDependent) {
  const GgmlType type = GetParam();
  const std::vector<std::byte> a = random_bytes(type, 42, 0.02f, kBytes);
  EXPECT_EQ(a, random_bytes(type, 42, 0.02f, kBytes));
  const std::vector<std::byte> b = random_bytes(type, 43, 0.02f, kBytes);
  ASSERT_EQ(a.size(), b.size());
  size_t same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i] == b[i];
  EXPECT_LT(same, a.size() / 4);
}

TEST_P(RandomBlocks, IndependentOfThreadCount) {
  const GgmlType type = GetParam();
  const std::vector<std::byte> many = random_bytes(type, 7, 1.0f, kBytes);
  tbb::global_control one_thread(tbb::global_control::max_allowed_parallelism, 1);
  EXPECT_EQ(many, random_bytes(type, 7, 1.0f, kBytes));
}

TEST_P(RandomBlocks, ValuesHaveTheRequestedSpread) {
  const GgmlType type = GetParam();
  for (float stddev : {0.02f, 1.0f, 300.0f}) {
    const std::vector<float> v = values(type, random_bytes(type, 1234, stddev, kBytes));
    double sum = 0.0, sum_sq = 0.0;
    for (float x : v) {
      ASSERT_TRUE(std::isfinite(x));
      sum += x;
      sum_sq += double(x) * x;
    }
    const double n = static_cast<double>(v.size());
    const double mean = sum / n;
    const double sd = std::sqrt(sum_sq / n - mean * mean);
    EXPECT_NEAR(sd, stddev, 0.05 * stddev) << traits(type).name;
    EXPECT_NEAR(mean, 0.0, 0.02 * stddev) << traits(type).name;
  }
}

TEST_P(RandomBlocks, ExtremeStddevStaysFinite) {
  const GgmlType type = GetParam();
  for (float stddev : {0.0f, 1e-30f, 1e30f, 3e38f}) {
    for (float x : values(type, random_bytes(type, 5, stddev, 64 * 1024))) {
      ASSERT_TRUE(std::isfinite(x)) << traits(type).name << " " << stddev;
      if (stddev == 0.0f) {
        ASSERT_EQ(x, 0.0f);
      }
    }
  }
}

TEST_P(RandomBlocks, RejectsPartialBlocksAndBadStddev) {
  const GgmlType type = GetParam();
  const auto block = static_cast<size_t>(traits(type).block_bytes);
  std::vector<std::byte> out(4 * block + (block > 1 ? 1 : 0));
  if (block > 1) {
    EXPECT_THROW(fill_random_blocks(type, 1, 1.0f, out), std::invalid_argument);
  }
  std::span<std::byte> whole = std::span(out).first(4 * block);
  EXPECT_THROW(fill_random_blocks(type, 1, -1.0f, whole), std::invalid_argument);
  EXPECT_THROW(fill_random_blocks(type, 1, NAN, whole), std::invalid_argument);
  EXPECT_NO_THROW(fill_random_blocks(type, 1, 1.0f, whole));
  EXPECT_NO_THROW(fill_random_blocks(type, 1, 1.0f, {}));
}

INSTANTIATE_TEST_SUITE_P(AllDequantizable, RandomBlocks, ::testing::ValuesIn(supported_types()),
                         [](const ::testing::TestParamInfo<GgmlType>& param) {
                           return std::string(traits(param.param).name);
                         });

TEST(RandomBlocksTypes, CoversEveryDequantizableType) { EXPECT_EQ(supported_types().size(), 13u); }

TEST(RandomBlocksTypes, RejectsUnsupportedTypes) {
  std::vector<std::byte> out(292 * 2);
  EXPECT_THROW(fill_random_blocks(GgmlType::Q8_K, 1, 1.0f, out), std::invalid_argument);
  EXPECT_THROW(fill_random_blocks(GgmlType::Q8_1, 1, 1.0f, std::span(out).first(36)),
               std::invalid_argument);
  EXPECT_THROW(fill_random_blocks(GgmlType::IQ2_XXS, 1, 1.0f, std::span(out).first(66)),
               std::invalid_argument);
}

// synth fills one row at a time: small spans still get the requested spread.
TEST(RandomBlocksTypes, RowSizedCallsHaveTheRequestedSpread) {
  for (GgmlType type : {GgmlType::Q4_K, GgmlType::Q6_K, GgmlType::Q3_K, GgmlType::Q4_0}) {
    const size_t row = static_cast<size_t>(traits(type).block_bytes) * 4096 /
                       static_cast<size_t>(traits(type).block_elems);
    std::vector<std::byte> bytes(row * 64);
    for (size_t r = 0; r < 64; ++r) {
      fill_random_blocks(type, 1000 + r, 0.02f, std::span(bytes).subspan(r * row, row));
    }
    double sum_sq = 0.0;
    const std::vector<float> v = values(type, bytes);
    for (float x : v) sum_sq += double(x) * x;
    EXPECT_NEAR(std::sqrt(sum_sq / static_cast<double>(v.size())), 0.02, 0.001)
        << traits(type).name;
  }
}

}  // namespace
}  // namespace etchsim::gguf
