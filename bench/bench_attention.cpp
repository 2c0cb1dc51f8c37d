// attend() on the llama-3.1-8b shape (32 query heads on 8 KV heads, head_dim 128) at n_pos 256,
// 1024 and 2048 for the I8 (the chip's) and F16 (llama.cpp's) caches, zen4 profile, on 1 and 2
// threads; next to the implementation it replaced (tests/numerics/attention_reference.hpp, one
// thread) for the before / after ratio in one run. Eight layers' caches are attended in turn, as
// decode does, so the KV rows come from memory rather than a warm cache. bytes_per_second counts
// the K and V bytes attended.
#include <benchmark/benchmark.h>
#include <tbb/global_control.h>

#include <random>
#include <vector>

#include "attention_reference.hpp"
#include "etchsim/numerics/attention.hpp"
#include "etchsim/numerics/kv_cache.hpp"

namespace etchsim::numerics {
namespace {

constexpr AttentionShape kShape{32, 8, 128};
constexpr int kLayers = 8;
constexpr int kCapacity = 2048;

std::vector<float> random_vector(size_t n, std::mt19937& rng) {
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> x(n);
  for (float& v : x) v = dist(rng);
  return x;
}

std::vector<KvCache> random_caches(KvType type) {
  std::mt19937 rng(5);
  std::vector<KvCache> caches;
  const auto n = static_cast<size_t>(kShape.n_head_kv * kShape.head_dim);
  for (int l = 0; l < kLayers; ++l) {
    caches.emplace_back(type, kShape.n_head_kv, kShape.head_dim, kCapacity);
    for (int p = 0; p < kCapacity; ++p) {
      caches.back().store(p, random_vector(n, rng), random_vector(n, rng));
    }
  }
  return caches;
}

size_t element_bytes(KvType type) { return type == KvType::F32 ? 4 : type == KvType::F16 ? 2 : 1; }

// Args: n_pos, threads (0: the replaced implementation).
void BM_Attend(benchmark::State& state, KvType type) {
  const auto n_pos = static_cast<int>(state.range(0));
  const auto threads = static_cast<size_t>(state.range(1));
  const tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                  std::max<size_t>(threads, 1));
  const std::vector<KvCache> caches = random_caches(type);
  std::mt19937 rng(9);
  const std::vector<float> q =
      random_vector(static_cast<size_t>(kShape.n_head * kShape.head_dim), rng);
  std::vector<float> out(q.size());
  int layer = 0;
  for (auto _ : state) {
    const KvCache& cache = caches[static_cast<size_t>(layer)];
    layer = (layer + 1) % kLayers;
    if (threads == 0) {
      test_data::reference_attend(CpuProfile::Zen4, q, cache, n_pos, kShape, out);
    } else {
      attend(CpuProfile::Zen4, q, cache, n_pos, kShape, out);
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  const size_t row = static_cast<size_t>(kShape.head_dim) * element_bytes(type);
  const size_t bytes = 2 * static_cast<size_t>(n_pos * kShape.n_head_kv) * row;
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

void positions(benchmark::internal::Benchmark* b) {
  for (const int64_t threads : {0, 1, 2}) {
    for (const int64_t n_pos : {256, 1024, 2048}) b->Args({n_pos, threads});
  }
  b->ArgNames({"n_pos", "threads"})->Unit(benchmark::kMicrosecond)->UseRealTime();
}

BENCHMARK_CAPTURE(BM_Attend, i8, KvType::I8)->Apply(positions);
BENCHMARK_CAPTURE(BM_Attend, f16, KvType::F16)->Apply(positions);

}  // namespace
}  // namespace etchsim::numerics

BENCHMARK_MAIN();
