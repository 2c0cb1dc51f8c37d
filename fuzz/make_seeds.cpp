// Writes the binary seed corpora of fuzz/corpus/ (GGUF models and a LoRA adapter of the micro
// shape); the text seeds (TOML, JSONL, tokenizer text) are committed as written by hand.
// Usage: make_seeds DIR   (run by nobody automatically: the seeds are committed; rerun after a
// format change and review the diff.)
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "etchsim/gguf/writer.hpp"
#include "etchsim/model/lora_synth.hpp"
#include "micro_model.hpp"

namespace fs = std::filesystem;
using namespace etchsim;

namespace {

void write(const fs::path& path, const std::vector<std::byte>& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    fmt::print(stderr, "usage: make_seeds DIR\n");
    return 2;
  }
  const fs::path dir = argv[1];
  const std::vector<std::byte> micro = fuzz::micro_model_bytes();
  write(dir / "model" / "micro-q8_0.seed", micro);
  write(dir / "gguf" / "micro-q8_0.seed", micro);
  // Every metadata value type, arrays, and small tensors of several types, alignment 8.
  gguf::GgufWriter w(8);
  w.set("general.architecture", "llama");
  w.set("u8", uint8_t{1});
  w.set("i8", int8_t{-1});
  w.set("u16", uint16_t{2});
  w.set("i16", int16_t{-2});
  w.set("u32", uint32_t{3});
  w.set("i32", int32_t{-3});
  w.set("f32", 0.5f);
  w.set("bool", true);
  w.set("u64", uint64_t{4});
  w.set("i64", int64_t{-4});
  w.set("f64", 0.25);
  w.set("arr",
        gguf::Value{gguf::Array{gguf::ValueType::STRING, {gguf::Value{"a"}, gguf::Value{"b"}}}});
  w.add_tensor("f32", gguf::GgmlType::F32, {4, 2}, std::vector<std::byte>(32, std::byte{1}));
  w.add_tensor("f16", gguf::GgmlType::F16, {8}, std::vector<std::byte>(16, std::byte{2}));
  w.add_tensor("q8_0", gguf::GgmlType::Q8_0, {32}, std::vector<std::byte>(34, std::byte{3}));
  write(dir / "gguf" / "types-align8.seed", w.to_bytes());
  const fs::path lora = dir / "lora" / "micro-lora-f32.seed";
  fs::create_directories(lora.parent_path());
  model::synth_lora(fuzz::micro_shape(), {.rank = 2, .type = gguf::GgmlType::F32}, lora);
  return 0;
}
