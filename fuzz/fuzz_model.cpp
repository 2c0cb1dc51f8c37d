// libFuzzer harness: the model loader on files that parse but lie (metadata against tensors:
// layer counts, shapes, head counts, types, alignment). A file the loader accepts is run for one
// token through the golden model, so every tensor it accepted is read.
#include "etchsim/golden/golden_model.hpp"
#include "etchsim/golden/layer_datapath.hpp"
#include "etchsim/model/llama_model.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace etchsim;
  fuzz::run_guarded([&] {
    const gguf::GgufFile file = gguf::GgufFile::parse(fuzz::as_bytes(data, size), "fuzz.gguf");
    const model::LlamaModel model(file);
    const golden::LayerDatapath datapath(model, numerics::kDefaultCpuProfile,
                                         numerics::Kernel::Fast);
    golden::GoldenModel golden(file, golden::GoldenOptions{.n_ctx = 2});
    const std::vector<float> logits = golden.evaluate(0);
    if (logits.size() != model.shape().n_vocab) std::abort();
  });
  return 0;
}
