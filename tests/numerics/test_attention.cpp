// KV cache element types and causal GQA attention against a double-precision reference.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "etchsim/gguf/fp16.hpp"
#include "etchsim/numerics/attention.hpp"
#include "etchsim/numerics/kv_cache.hpp"
#include "random_data.hpp"

namespace etchsim::numerics {
namespace {

constexpr int kHeadDim = 64;

struct Filled {
  KvCache cache;
  std::vector<std::vector<float>> k, v;  // per position, n_head_kv * head_dim
};

Filled filled_cache(KvType type, int n_head_kv, int n_pos, uint64_t seed) {
  Filled f{KvCache(type, n_head_kv, kHeadDim, 512), {}, {}};
  for (int p = 0; p < n_pos; ++p) {
    f.k.push_back(
        test_data::random_vector(static_cast<size_t>(n_head_kv * kHeadDim), seed + 2 * p));
    f.v.push_back(
        test_data::random_vector(static_cast<size_t>(n_head_kv * kHeadDim), seed + 2 * p + 1));
    f.cache.store(p, f.k.back(), f.v.back());
  }
  return f;
}

// Attention of query head h in double over the original (unrounded) K and V.
std::vector<double> reference_head(const Filled& f, std::span<const float> q, int kv_head,
                                   int n_pos) {
  std::vector<double> s(static_cast<size_t>(n_pos));
  double mx = -1e300;
  for (int p = 0; p < n_pos; ++p) {
    double dot = 0.0;
    for (int d = 0; d < kHeadDim; ++d)
      dot += static_cast<double>(q[d]) * f.k[p][kv_head * kHeadDim + d];
    s[p] = dot / std::sqrt(static_cast<double>(kHeadDim));
    mx = std::max(mx, s[p]);
  }
  double sum = 0.0;
  for (double& v : s) sum += (v = std::exp(v - mx));
  std::vector<double> out(kHeadDim, 0.0);
  for (int p = 0; p < n_pos; ++p) {
    for (int d = 0; d < kHeadDim; ++d) out[d] += s[p] / sum * f.v[p][kv_head * kHeadDim + d];
  }
  return out;
}

TEST(KvCache, StoresEachElementType) {
  const std::vector<float> k = test_data::random_vector(2 * kHeadDim, 1),
                           v = test_data::random_vector(2 * kHeadDim, 2);
  std::vector<float> got(kHeadDim);
  for (KvType type : {KvType::F32, KvType::F16, KvType::I8}) {
    KvCache cache(type, 2, kHeadDim, 4);
    cache.store(3, k, v);
    cache.load_k(3, 1, got);
    float amax = 0.0f;
    for (int d = 0; d < kHeadDim; ++d) amax = std::max(amax, std::fabs(k[kHeadDim + d]));
    for (int d = 0; d < kHeadDim; ++d) {
      const float x = k[kHeadDim + d];
      if (type == KvType::F32) {
        EXPECT_EQ(got[d], x);
      } else if (type == KvType::F16) {
        EXPECT_EQ(got[d], gguf::fp16_to_fp32(gguf::fp32_to_fp16(x)));
      } else {
        EXPECT_NEAR(got[d], x, amax / 254.0f * 1.001f);
      }
    }
  }
}

TEST(Attention, PaddedCellCountIsAMultipleOf256) {
  EXPECT_EQ(padded_kv_cells(1), 256);
  EXPECT_EQ(padded_kv_cells(256), 256);
  EXPECT_EQ(padded_kv_cells(257), 512);
}

TEST(Attention, OnePositionReturnsItsValue) {
  for (KvType type : {KvType::F32, KvType::F16, KvType::I8}) {
    const Filled f = filled_cache(type, 1, 1, 3);
    const std::vector<float> q = test_data::random_vector(kHeadDim, 4);
    std::vector<float> out(kHeadDim), v(kHeadDim);
    attend(kDefaultCpuProfile, q, f.cache, 1, {1, 1, kHeadDim}, out);
    f.cache.load_v(0, 0, v);
    EXPECT_EQ(out, v);  // p = 1 exactly, padded cells add exact zeros
  }
}

TEST(Attention, MatchesDoubleReferenceWithGqa) {
  const int n_head = 8, n_head_kv = 2, n_pos = 300;
  for (KvType type : {KvType::F32, KvType::F16, KvType::I8}) {
    const Filled f = filled_cache(type, n_head_kv, n_pos, 10);
    const std::vector<float> q = test_data::random_vector(n_head * kHeadDim, 11, 0.5f);
    std::vector<float> out(q.size());
    attend(kDefaultCpuProfile, q, f.cache, n_pos, {n_head, n_head_kv, kHeadDim}, out);
    const double tol = type == KvType::F32 ? 1e-5 : type == KvType::F16 ? 2e-3 : 2e-2;
    for (int h = 0; h < n_head; ++h) {
      const int kv_head = h / (n_head / n_head_kv);  // heads 0-3 -> 0, 4-7 -> 1
      const auto ref =
          reference_head(f, std::span(q).subspan(h * kHeadDim, kHeadDim), kv_head, n_pos);
      for (int d = 0; d < kHeadDim; ++d) {
        EXPECT_NEAR(out[h * kHeadDim + d], ref[d], tol) << static_cast<int>(type) << " head " << h;
      }
    }
  }
}

TEST(Attention, CausalCellsBeyondNPosAreIgnored) {
  const Filled f = filled_cache(KvType::F16, 1, 10, 20);
  const std::vector<float> q = test_data::random_vector(kHeadDim, 21);
  std::vector<float> a(kHeadDim), b(kHeadDim);
  attend(kDefaultCpuProfile, q, f.cache, 6, {1, 1, kHeadDim}, a);
  Filled g = filled_cache(KvType::F16, 1, 6, 20);  // same first 6 positions, nothing after
  attend(kDefaultCpuProfile, q, g.cache, 6, {1, 1, kHeadDim}, b);
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace etchsim::numerics
