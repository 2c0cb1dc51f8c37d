// GGUF I/O throughput: GgufWriter streaming a ~512 MiB model to disk, and GgufFile::open on a
// file whose metadata holds a Llama-3-sized vocabulary (128k tokens, 280k merges).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "etchsim/gguf/reader.hpp"
#include "etchsim/gguf/writer.hpp"

namespace {

namespace fs = std::filesystem;
using etchsim::gguf::GgmlType;
using etchsim::gguf::GgufFile;
using etchsim::gguf::GgufWriter;
using etchsim::gguf::Value;

fs::path temp_path(const std::string& name) {
  return fs::temp_directory_path() /
         ("etchsim_bench_" + std::to_string(::getpid()) + "_" + name + ".gguf");
}

void BM_WriteModel(benchmark::State& state) {
  // 8 Q8_0 tensors of 4096 x 15360 (63.75 MiB each) and 8 small F32 ones: ~510 MiB.
  GgufWriter w;
  w.set("general.architecture", "llama");
  const auto cheap_fill = [](int64_t row_begin, std::span<std::byte> out) {
    std::memset(out.data(), static_cast<int>(row_begin & 0x7F), out.size());
  };
  for (int i = 0; i < 8; ++i) {
    w.add_tensor("blk." + std::to_string(i) + ".ffn.weight", GgmlType::Q8_0, {4096, 15360},
                 cheap_fill);
    w.add_tensor("blk." + std::to_string(i) + ".norm.weight", GgmlType::F32, {4096}, cheap_fill);
  }
  const fs::path path = temp_path("write");
  for (auto _ : state) {
    w.write(path);
  }
  fs::remove(path);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * w.total_bytes()));
  state.counters["MiB"] = static_cast<double>(w.total_bytes()) / (1 << 20);
}
BENCHMARK(BM_WriteModel)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

void BM_OpenLargeVocab(benchmark::State& state) {
  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<int32_t> types;
  for (int i = 0; i < 128256; ++i) {
    tokens.push_back("Ġtok" + std::to_string(i));
    scores.push_back(static_cast<float>(-i));
    types.push_back(1);
  }
  std::vector<std::string> merges;
  for (int i = 0; i < 280147; ++i)
    merges.push_back("Ġa" + std::to_string(i) + " b" + std::to_string(i % 977));
  GgufWriter w;
  w.set("general.architecture", "llama");
  w.set("tokenizer.ggml.model", "gpt2");
  w.set("tokenizer.ggml.tokens", Value::array_of(tokens));
  w.set("tokenizer.ggml.scores", Value::array_of(scores));
  w.set("tokenizer.ggml.token_type", Value::array_of(types));
  w.set("tokenizer.ggml.merges", Value::array_of(merges));
  w.add_tensor("token_embd.weight", GgmlType::F16, {64, 64},
               [](int64_t, std::span<std::byte> out) { std::memset(out.data(), 0, out.size()); });
  const fs::path path = temp_path("vocab");
  w.write(path);
  for (auto _ : state) {
    GgufFile f = GgufFile::open(path);
    benchmark::DoNotOptimize(f.get_array("tokenizer.ggml.merges").elems.size());
  }
  state.counters["MiB"] = static_cast<double>(fs::file_size(path)) / (1 << 20);
  fs::remove(path);
}
BENCHMARK(BM_OpenLargeVocab)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
