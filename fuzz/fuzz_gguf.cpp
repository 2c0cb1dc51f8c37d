// libFuzzer harness: the GGUF reader on arbitrary bytes, then what `etchsim inspect --json`
// makes of a file that parsed (totals, the JSON document, which must parse back), and every
// tensor's bytes (in bounds, aligned).
#include <nlohmann/json.hpp>

#include "fuzz_support.hpp"
#include "inspect_summary.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace etchsim;
  fuzz::run_guarded([&] {
    const gguf::GgufFile file = gguf::GgufFile::parse(fuzz::as_bytes(data, size), "fuzz.gguf");
    uint64_t sum = 0;
    for (const gguf::TensorInfo& t : file.tensors()) {
      const auto bytes = file.tensor_data(t);
      if (bytes.size() != t.nbytes) std::abort();
      if (bytes.empty()) continue;  // a tensor with a zero dimension: no bytes to align
      if (reinterpret_cast<uintptr_t>(bytes.data()) % gguf::kTensorDataAlignment != 0) std::abort();
      sum += static_cast<uint8_t>(bytes.front()) + static_cast<uint8_t>(bytes.back());
    }
    const std::string json = cli::inspect_json(file, cli::inspect_totals(file));
    const auto doc = nlohmann::json::parse(json);  // throws (a crash here) if not valid JSON
    if (doc.at("tensors").size() != file.tensors().size() || sum == UINT64_MAX) std::abort();
  });
  return 0;
}
