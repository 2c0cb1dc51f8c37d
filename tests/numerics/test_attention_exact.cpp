// attend() bit for bit against the implementation it replaced (attention_reference.hpp) on every
// SIMD target this CPU runs: the padding boundaries of n_kv (kKvPad), GQA groups of 1 to 6 query
// heads (the p.v kernel takes up to 4 at a time), head_dims with and without q.k tails and p.v
// remainders, every KV type and profile, cells beyond n_pos holding stale data.
#define HWY_WANT_AVX3_DL  // as test_simd_targets.cpp: list every target the kernels compile
#include <gtest/gtest.h>
#include <hwy/targets.h>

#include <bit>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "attention_reference.hpp"
#include "etchsim/numerics/attention.hpp"
#include "etchsim/numerics/kv_cache.hpp"
#include "random_data.hpp"
#include "target_mock.hpp"

namespace etchsim::numerics {
namespace {

constexpr int kCapacity = 2048;
constexpr int kPositions[] = {1, 2, 255, 256, 257, 1000, 2048};
constexpr KvType kTypes[] = {KvType::F32, KvType::F16, KvType::I8};

void expect_same_bits(std::span<const float> got, std::span<const float> want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(std::bit_cast<uint32_t>(got[i]), std::bit_cast<uint32_t>(want[i]))
        << "element " << i << ": " << got[i] << " vs " << want[i];
  }
}

// A cache of every type with the same random K and V in all kCapacity positions; position 5 of
// KV head 0 is all zero (I8 scale 0).
std::vector<KvCache> filled_caches(const AttentionShape& shape, uint64_t seed) {
  std::vector<KvCache> caches;
  for (const KvType type : kTypes)
    caches.emplace_back(type, shape.n_head_kv, shape.head_dim, kCapacity);
  const auto n = static_cast<size_t>(shape.n_head_kv * shape.head_dim);
  for (int p = 0; p < kCapacity; ++p) {
    std::vector<float> k = test_data::random_vector(n, seed + 2 * p);
    std::vector<float> v = test_data::random_vector(n, seed + 2 * p + 1);
    if (p == 5) {
      std::fill_n(k.begin(), shape.head_dim, 0.0f);
      std::fill_n(v.begin(), shape.head_dim, 0.0f);
    }
    for (KvCache& cache : caches) cache.store(p, k, v);
  }
  return caches;
}

TEST(AttentionExact, BitIdenticalToTheReplacedImplementation) {
  const std::vector<int64_t> targets = hwy::SupportedAndGeneratedTargets();
  ASSERT_FALSE(targets.empty());
  const AttentionShape shapes[] = {
      {32, 8, 128},  // llama-3.1-8b: 4 heads per KV head
      {4, 4, 64},    // no GQA
      {6, 1, 76},    // 6 heads: passes of 4 and 2; q.k tail 12 (76 % 32, 76 % 64)
      {10, 2, 44},   // 5 heads: 4 and 1; Zen4's q.k has no body, only a tail
      {3, 1, 8},     // 3 heads; every d in p.v's scalar remainder
  };
  uint64_t seed = 100;
  for (const AttentionShape& shape : shapes) {
    const std::vector<KvCache> caches = filled_caches(shape, seed += 10000);
    const auto width = static_cast<size_t>(shape.n_head * shape.head_dim);
    for (const KvCache& cache : caches) {
      for (const CpuProfile profile : test_data::kAllProfiles) {
        for (const int n_pos : kPositions) {
          SCOPED_TRACE(::testing::Message()
                       << "shape " << shape.n_head << "/" << shape.n_head_kv << "/"
                       << shape.head_dim << " type " << static_cast<int>(cache.type())
                       << " profile " << static_cast<int>(profile) << " n_pos " << n_pos);
          const std::vector<float> q = test_data::random_vector(width, ++seed, 0.3f);
          std::vector<float> want(width);
          test_data::reference_attend(profile, q, cache, n_pos, shape, want);
          for (const int64_t target : targets) {
            const TargetMock mock(target);
            SCOPED_TRACE(hwy::TargetName(target));
            std::vector<float> got(width);
            attend(profile, q, cache, n_pos, shape, got);
            expect_same_bits(got, want);
          }
        }
      }
    }
  }
}

// A slot of the p.v dot whose used cells sum to -0 (products below half the smallest subnormal)
// becomes +0 with its padded cells' fma(0, 0, -0): skipping them would give -0.
TEST(AttentionExact, PaddedCellsTurnNegativeZeroSumsPositive) {
  constexpr int kHeadDim = 32, kUsed = 64;  // one used cell per slot on Zen4, two on Haswell
  const AttentionShape shape{1, 1, kHeadDim};
  KvCache cache(KvType::F32, 1, kHeadDim, 256);
  const std::vector<float> k(kHeadDim, 0.0f);  // every score 0: p = 1/64 exactly
  const std::vector<float> v(kHeadDim, -std::numeric_limits<float>::denorm_min());
  for (int p = 0; p < kUsed; ++p) cache.store(p, k, v);
  const std::vector<float> q = test_data::random_vector(kHeadDim, 7);
  for (const CpuProfile profile : test_data::kAllProfiles) {
    std::vector<float> want(kHeadDim), got(kHeadDim);
    test_data::reference_attend(profile, q, cache, kUsed, shape, want);
    attend(profile, q, cache, kUsed, shape, got);
    expect_same_bits(got, want);
    for (const float x : got) EXPECT_EQ(std::bit_cast<uint32_t>(x), 0u);  // +0
  }
}

}  // namespace
}  // namespace etchsim::numerics
