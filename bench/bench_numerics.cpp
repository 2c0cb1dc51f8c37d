// Weight streaming rate of the fast matvec (and the 16-token matmat of prefill) per weight type, on
// Llama 3.1 8B shapes (4096x4096 as wq/wo, 14336x4096 as w_gate/w_up), next to a memcpy of the same
// bytes for the ratio. SetBytesProcessed counts weight bytes, so bytes_per_second is GB/s of
// weights streamed.
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <span>
#include <vector>

#include "etchsim/gguf/random_blocks.hpp"
#include "etchsim/numerics/matvec.hpp"
#include "etchsim/numerics/repack.hpp"

namespace etchsim::numerics {
namespace {

using gguf::GgmlType;

std::vector<std::byte> random_weights(GgmlType type, int64_t rows, int64_t cols) {
  std::vector<std::byte> bytes(gguf::row_bytes(type, cols) * static_cast<size_t>(rows));
  gguf::fill_random_blocks(type, 1, 0.02f, bytes);
  return bytes;
}

std::vector<float> random_activation(int64_t n) {
  std::mt19937 rng(7);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(n));
  for (float& v : x) v = dist(rng);
  return x;
}

// Args: rows, cols.
void BM_Matvec(benchmark::State& state, GgmlType type) {
  const int64_t rows = state.range(0), cols = state.range(1);
  const std::vector<std::byte> bytes = random_weights(type, rows, cols);
  const std::vector<float> x = random_activation(cols);
  std::vector<float> y(static_cast<size_t>(rows));
  const WeightMatrix w{type, rows, cols, bytes};
  for (auto _ : state) {
    matvec(w, x, y, kDefaultCpuProfile);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
}

// BM_Matvec of a matrix read from its interleaved copy (repack.hpp), as golden loads it.
void BM_MatvecInterleaved(benchmark::State& state, GgmlType type) {
  const int64_t rows = state.range(0), cols = state.range(1);
  const std::vector<std::byte> bytes = random_weights(type, rows, cols);
  std::vector<std::byte> packed(bytes.size());
  interleave_rows8(type, bytes, rows, cols, packed);
  const std::vector<float> x = random_activation(cols);
  std::vector<float> y(static_cast<size_t>(rows));
  const WeightMatrix w{type, rows, cols, bytes, packed};
  for (auto _ : state) {
    matvec(w, x, y, kDefaultCpuProfile);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
}

// Prefill: 16 tokens through one matrix (numerics::matmat); bytes_per_second counts the weights
// once per token, so it compares directly with BM_Matvec (16 matvecs).
// interleave: read from the interleaved copy (repack.hpp).
void BM_Matmat16(benchmark::State& state, GgmlType type, bool interleave) {
  constexpr size_t kTokens = 16;
  const int64_t rows = state.range(0), cols = state.range(1);
  const std::vector<std::byte> bytes = random_weights(type, rows, cols);
  std::vector<std::byte> packed;
  if (interleave) {
    packed.resize(bytes.size());
    interleave_rows8(type, bytes, rows, cols, packed);
  }
  const std::vector<float> x = random_activation(cols);
  std::vector<Activation> acts;
  std::vector<std::vector<float>> outs(kTokens, std::vector<float>(static_cast<size_t>(rows)));
  std::vector<const Activation*> xs;
  std::vector<std::span<float>> ys;
  for (size_t t = 0; t < kTokens; ++t) acts.emplace_back(type, x);
  for (size_t t = 0; t < kTokens; ++t) {
    xs.push_back(&acts[t]);
    ys.emplace_back(outs[t]);
  }
  const WeightMatrix w{type, rows, cols, bytes, packed};
  const DotOrder order = default_dot_order(type, rows, kDefaultCpuProfile);
  for (auto _ : state) {
    matmat(w, xs, ys, order, kDefaultCpuProfile);
    benchmark::DoNotOptimize(outs.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size() * kTokens));
}

// The same bytes as a Q4_K matrix of the shape (the ratio baseline).
void BM_Memcpy(benchmark::State& state) {
  const size_t n =
      gguf::row_bytes(GgmlType::Q4_K, state.range(1)) * static_cast<size_t>(state.range(0));
  std::vector<std::byte> src(n, std::byte{1}), dst(n);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), n);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n));
}

void shapes(benchmark::internal::Benchmark* b) {
  b->Args({4096, 4096})->Args({14336, 4096})->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(BM_Memcpy)->Apply(shapes);
BENCHMARK_CAPTURE(BM_Matvec, f32, GgmlType::F32)->Apply(shapes);
BENCHMARK_CAPTURE(BM_Matvec, f16, GgmlType::F16)->Apply(shapes);
BENCHMARK_CAPTURE(BM_Matvec, bf16, GgmlType::BF16)->Apply(shapes);
BENCHMARK_CAPTURE(BM_Matvec, q4_0, GgmlType::Q4_0)->Apply(shapes);
BENCHMARK_CAPTURE(BM_MatvecInterleaved, q4_0x8, GgmlType::Q4_0)->Apply(shapes);
BENCHMARK_CAPTURE(BM_Matvec, q4_1, GgmlType::Q4_1)->Apply(shapes);
BENCHMARK_CAPTURE(BM_Matvec, q5_0, GgmlType::Q5_0)->Apply(shapes);
BENCHMARK_CAPTURE(BM_Matvec, q5_1, GgmlType::Q5_1)->Apply(shapes);
BENCHMARK_CAPTURE(BM_Matvec, q8_0, GgmlType::Q8_0)->Apply(shapes);
BENCHMARK_CAPTURE(BM_Matvec, q2_K, GgmlType::Q2_K)->Apply(shapes);
BENCHMARK_CAPTURE(BM_Matvec, q3_K, GgmlType::Q3_K)->Apply(shapes);
BENCHMARK_CAPTURE(BM_Matvec, q4_K, GgmlType::Q4_K)->Apply(shapes);
BENCHMARK_CAPTURE(BM_MatvecInterleaved, q4_Kx8, GgmlType::Q4_K)->Apply(shapes);
BENCHMARK_CAPTURE(BM_Matvec, q5_K, GgmlType::Q5_K)->Apply(shapes);
BENCHMARK_CAPTURE(BM_Matvec, q6_K, GgmlType::Q6_K)->Apply(shapes);
BENCHMARK_CAPTURE(BM_Matmat16, q4_0, GgmlType::Q4_0, false)->Apply(shapes);
BENCHMARK_CAPTURE(BM_Matmat16, q4_0x8, GgmlType::Q4_0, true)->Apply(shapes);
BENCHMARK_CAPTURE(BM_Matmat16, q3_K, GgmlType::Q3_K, false)->Apply(shapes);
BENCHMARK_CAPTURE(BM_Matmat16, q4_K, GgmlType::Q4_K, false)->Apply(shapes);
BENCHMARK_CAPTURE(BM_Matmat16, q4_Kx8, GgmlType::Q4_K, true)->Apply(shapes);
BENCHMARK_CAPTURE(BM_Matmat16, q6_K, GgmlType::Q6_K, false)->Apply(shapes);

}  // namespace
}  // namespace etchsim::numerics

BENCHMARK_MAIN();
