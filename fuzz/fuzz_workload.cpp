// libFuzzer harness: the JSONL workload parser (`etchsim run --workload FILE`).
#include <sstream>
#include <string>

#include "etchsim/sim/workload.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace etchsim;
  fuzz::run_guarded([&] {
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    const auto requests = sim::parse_workload_jsonl(in, "fuzz.jsonl");
    for (const sim::WorkloadRequest& r : requests) {
      // Exactly one prompt form, as documented.
      if (r.prompt_text && !r.tokens.empty()) std::abort();
    }
  });
  return 0;
}
