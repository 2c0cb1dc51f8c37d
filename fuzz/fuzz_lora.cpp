// libFuzzer harness: the LoRA adapter reader on arbitrary bytes, checked against a fixed micro
// base model (built once, in memory).
#include "etchsim/model/llama_model.hpp"
#include "etchsim/model/lora_adapter.hpp"
#include "etchsim/model/synth.hpp"
#include "fuzz_support.hpp"
#include "micro_model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace etchsim;
  static const std::vector<std::byte> base_bytes = fuzz::micro_model_bytes();
  static const gguf::GgufFile base_file = gguf::GgufFile::parse(base_bytes, "micro.gguf");
  static const model::LlamaModel base(base_file);
  fuzz::run_guarded([&] {
    const gguf::GgufFile file = gguf::GgufFile::parse(fuzz::as_bytes(data, size), "fuzz.gguf");
    const model::LoraAdapter adapter(file, base);
    (void)adapter;
  });
  return 0;
}
