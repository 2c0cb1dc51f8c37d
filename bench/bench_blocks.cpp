// Throughput of the block-format paths synth and the reader rely on: fill_random_blocks (one
// and two threads, whole buffers and synth's row-sized calls) and dequantize, per type, next to
// a memcpy of the same size for the ratio.
#include <benchmark/benchmark.h>
#include <tbb/global_control.h>

#include <cstring>
#include <vector>

#include "etchsim/gguf/dequantize.hpp"
#include "etchsim/gguf/random_blocks.hpp"

namespace etchsim::gguf {
namespace {

constexpr size_t kBufferBytes = size_t{32} << 20;  // well beyond the last-level cache

std::vector<std::byte> whole_blocks(GgmlType type, size_t bytes) {
  const auto block = static_cast<size_t>(traits(type).block_bytes);
  return std::vector<std::byte>(bytes / block * block);
}

void BM_Memcpy(benchmark::State& state) {
  std::vector<std::byte> src(kBufferBytes, std::byte{1}), dst(kBufferBytes);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), kBufferBytes);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kBufferBytes));
}
BENCHMARK(BM_Memcpy);

// Arg: number of threads the TBB pool may use.
void BM_FillRandom(benchmark::State& state, GgmlType type) {
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism,
                              static_cast<size_t>(state.range(0)));
  std::vector<std::byte> out = whole_blocks(type, kBufferBytes);
  uint64_t seed = 0;
  for (auto _ : state) {
    fill_random_blocks(type, ++seed, 0.02f, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out.size()));
}

// synth's pattern: one call per row of 4096 elements, each with its own seed.
void BM_FillRandomRows(benchmark::State& state, GgmlType type) {
  const size_t row = static_cast<size_t>(row_bytes(type, 4096));
  std::vector<std::byte> out = whole_blocks(type, kBufferBytes / row * row);
  uint64_t seed = 0;
  for (auto _ : state) {
    for (size_t offset = 0; offset < out.size(); offset += row) {
      fill_random_blocks(type, ++seed, 0.02f, std::span(out).subspan(offset, row));
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out.size()));
}

// Bytes processed are the block bytes read; items are the floats written.
void BM_Dequantize(benchmark::State& state, GgmlType type) {
  std::vector<std::byte> src = whole_blocks(type, kBufferBytes / 4);
  fill_random_blocks(type, 1, 0.02f, src);
  const TypeTraits& t = traits(type);
  std::vector<float> dst(src.size() / static_cast<size_t>(t.block_bytes) *
                         static_cast<size_t>(t.block_elems));
  for (auto _ : state) {
    dequantize(type, src, dst);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * src.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * dst.size()));
}

#define ETCHSIM_BENCH_TYPE(name, type)                                                   \
  BENCHMARK_CAPTURE(BM_FillRandom, name, GgmlType::type)->Arg(1)->Arg(2)->UseRealTime(); \
  BENCHMARK_CAPTURE(BM_FillRandomRows, name, GgmlType::type);                            \
  BENCHMARK_CAPTURE(BM_Dequantize, name, GgmlType::type)

ETCHSIM_BENCH_TYPE(f32, F32);
ETCHSIM_BENCH_TYPE(f16, F16);
ETCHSIM_BENCH_TYPE(bf16, BF16);
ETCHSIM_BENCH_TYPE(q4_0, Q4_0);
ETCHSIM_BENCH_TYPE(q4_1, Q4_1);
ETCHSIM_BENCH_TYPE(q5_0, Q5_0);
ETCHSIM_BENCH_TYPE(q5_1, Q5_1);
ETCHSIM_BENCH_TYPE(q8_0, Q8_0);
ETCHSIM_BENCH_TYPE(q2_K, Q2_K);
ETCHSIM_BENCH_TYPE(q3_K, Q3_K);
ETCHSIM_BENCH_TYPE(q4_K, Q4_K);
ETCHSIM_BENCH_TYPE(q5_K, Q5_K);
ETCHSIM_BENCH_TYPE(q6_K, Q6_K);

}  // namespace
}  // namespace etchsim::gguf

BENCHMARK_MAIN();
