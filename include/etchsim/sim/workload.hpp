// Serving workloads (docs/serving.md): a JSONL file with one request a line, a synthetic set of
// users, or a named workload. Prompt text stays text here; the command line tokenizes it.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace etchsim::sim {

// The latest cycle a request may arrive at: 2^50 cycles (13 days at 1 GHz) keeps every cycle
// count of a run well inside SystemC's 64-bit time (one cycle = 1 ns = 1000 resolution units).
inline constexpr uint64_t kMaxArrivalCycle = uint64_t{1} << 50;

struct WorkloadRequest {
  std::optional<std::string> prompt_text;  // "prompt": text, tokenized by the caller
  std::vector<int32_t> tokens;             // "tokens": ids (empty when prompt_text is set)
  uint32_t prompt_len = 0;                 // synthetic: ids 0, 1, 2, ... (when both are empty)
  uint32_t max_tokens = 0;                 // tokens generated after the prompt
  std::string adapter;                     // "adapter": a LoRA adapter name or path; "" = none
  uint64_t arrival_cycle = 0;              // the request reaches the host at this cycle
};

// One JSON object per line: {"prompt": "text"} or {"tokens": [ids]} (exactly one), "max_tokens":
// N (required), optional "adapter": "name", optional "arrival_cycle": C. Blank lines are skipped.
// Unknown fields, wrong types, negative numbers and malformed JSON are std::invalid_argument
// naming `source` and the line. An empty workload is an error.
std::vector<WorkloadRequest> parse_workload_jsonl(std::istream& in, const std::string& source);
std::vector<WorkloadRequest> load_workload_jsonl(const std::string& path);

// `users` requests of `prompt_len` ids and `gen_len` generated tokens; with an arrival rate R
// (requests per second of simulated time) request i arrives at cycle floor(i * clock_hz / R),
// without one every request arrives at cycle 0.
std::vector<WorkloadRequest> synthetic_workload(uint32_t users, uint32_t prompt_len,
                                                uint32_t gen_len,
                                                std::optional<double> arrival_rate,
                                                double clock_hz);

// Named workloads: "1k1k" = one user, 1024 prompt ids + 1024 generated. nullopt for other names.
std::optional<std::vector<WorkloadRequest>> named_workload(const std::string& name);
std::vector<std::string> workload_names();

}  // namespace etchsim::sim
