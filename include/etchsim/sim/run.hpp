// Builds a chip from (model, config, workload), runs it under SystemC and collects the report
// (docs/design.md "sim/"). One run per process: SystemC allows one elaboration per process.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "etchsim/arch/area.hpp"
#include "etchsim/arch/chip_config.hpp"
#include "etchsim/arch/energy.hpp"
#include "etchsim/arch/pipeline_timing.hpp"
#include "etchsim/golden/sampling.hpp"
#include "etchsim/model/llama_shape.hpp"
#include "etchsim/numerics/profile.hpp"

namespace etchsim::gguf {
class GgufFile;
}
namespace etchsim::model {
class LlamaModel;
}

namespace etchsim::sim {

// functional: weights from the GGUF file, every logit computed (bit-exact with golden/);
// timing: the same cycles from the model's shape alone, no arithmetic.
enum class Mode { Functional, Timing };
// lockstep: the chip's clock process runs every cycle (the reference); skip: it wakes only on
// cycles where some unit changes state. Both give the same cycles and the same trace bytes.
enum class Clocking { Skip, Lockstep };

// Traced runs logging this many tokens through units or more report their files' writing
// (TraceOptions::on_write): about 0.5 s of it on the 2-core test VM (a flagship logs ~1 M).
inline constexpr uint64_t kTraceProgressTokens = uint64_t{4} << 20;

struct TraceOptions {
  std::filesystem::path vcd;       // empty: no VCD
  std::filesystem::path timeline;  // --timeline: Chrome/Perfetto trace events; empty: none
  std::vector<bool> layers;        // --trace-layers: traced layers (mask); empty: every layer
  uint64_t cycle_from = 0;         // --trace-window FROM:TO, cycles, TO exclusive
  uint64_t cycle_to = UINT64_MAX;
  bool fst = false;         // also convert to .fst with gtkwave's vcd2fst
  bool cycle_time = false;  // --trace-time cycles: one VCD time unit per cycle (else the clock)
  // --trace-threads: threads writing the files, 0 for one per core up to 4 (the bytes do not
  // depend on it).
  unsigned threads = 0;
  // Writing the files of a long run (logs of `progress_tokens` tokens through units or more):
  // called from one thread at a time with the file and its share written, `done` of `total`
  // parts of about equal work (the CLI draws a progress line from it). Shorter runs never call it.
  std::function<void(const std::filesystem::path& file, uint64_t done, uint64_t total)> on_write;
  uint64_t progress_tokens = kTraceProgressTokens;
};

struct UserRequest {
  UserRequest() = default;
  UserRequest(std::vector<int32_t> prompt_ids, uint32_t generate, uint64_t arrival = 0,
              std::string adapter_name = {})
      : prompt(std::move(prompt_ids)),
        n_generate(generate),
        arrival_cycle(arrival),
        adapter(std::move(adapter_name)) {}

  std::vector<int32_t> prompt;  // token ids, at least one
  uint32_t n_generate = 0;      // tokens generated after the prompt (the chip ignores EOS)
  uint64_t arrival_cycle = 0;   // the request reaches the host (docs/serving.md)
  std::string adapter;          // LoRA adapter GGUF path ("": none)
};

struct RunOptions {
  std::string model_name;   // the GGUF path or the shape name, for the report
  model::LlamaShape shape;  // the model's shape (from GGUF metadata or a named shape)
  // Per layer (a llama-quantize mixture) or every layer alike.
  arch::ModelWeightTypes weight_types = arch::WeightTypes::uniform(gguf::GgmlType::Q4_0);
  arch::ChipConfig config;
  Mode mode = Mode::Functional;
  Clocking clocking = Clocking::Skip;
  std::vector<UserRequest> users;
  golden::SamplingParams sampling;  // per user: seed + user index
  float lora_scale = 1.0f;          // llama.cpp's adapter scale, for every adapter
  numerics::CpuProfile profile = numerics::kDefaultCpuProfile;
  TraceOptions trace;
  bool keep_logits = false;  // functional: keep every logits row in RunResult (tests)
  // Functional: called after each token's logits (prompt and generated, every user) with the
  // tokens done so far and the run's total; the CLI draws its progress line from it.
  std::function<void(uint64_t done, uint64_t total)> on_token;
  // RTL in the loop (docs/rtl.md): "layerN.unit" matvec units whose cycles come from their
  // Verilated RTL, generated for rows `rtl_rows` of each matrix ("A-B"; rows run in parallel, so
  // a slice has the whole unit's cycles) into `rtl_dir` (empty: a removed temporary directory).
  std::vector<std::string> rtl_units;
  std::string rtl_rows = "0-0";
  std::string rtl_dir;
};

struct UserResult {
  std::vector<int32_t> tokens;     // generated token ids (timing mode: empty)
  std::string status = "done";     // "done" | "refused" (serving.admission = "refuse")
  std::string adapter;             // the request's adapter ("": none)
  uint64_t arrival_cycle = 0;      // the request reached the host
  uint64_t admitted_cycle = 0;     // the chip opened its sequence (refused: 0)
  uint64_t first_input_cycle = 0;  // the host started sending the first prompt token
  uint64_t first_token_cycle = 0;  // the first generated token reached the host
  uint64_t last_token_cycle = 0;
  uint64_t closed_cycle = 0;  // the host closed its sequence (freeing its KV SRAM)
  uint64_t ttft_cycles = 0;   // first_token_cycle - arrival_cycle
  double tpot_cycles = 0;     // (last - first token cycle) / (tokens - 1); 0 for one token
  uint64_t tokens_generated = 0;
  double tokens_per_s = 0;  // clock_hz / tpot_cycles
  // Functional with keep_logits: logits after each prompt token and each fed-back token.
  std::vector<std::vector<float>> logits;
};

struct UnitResult {
  std::string name;          // "attn_norm", "qkv", ...
  uint64_t busy_cycles = 0;  // cycles with a token inside (stalled ones included)
  uint64_t tokens = 0;
  uint64_t stalled_cycles = 0;  // busy cycles whose ready result waited for the next unit
  uint64_t longest_stall_cycles = 0;
};

struct LayerResult {
  std::string name;          // "layer00" ... , "lm_head"
  uint64_t busy_cycles = 0;  // cycles with at least one unit busy
  double utilization = 0;    // busy_cycles / cycles_total
  std::vector<UnitResult> units;
};

// Nearest-rank percentiles: the p-th percentile of n sorted values is the value of rank
// ceil(p / 100 * n) (1-based); 0 for no values.
struct Percentiles {
  double p50 = 0, p90 = 0, p99 = 0;
};
Percentiles nearest_rank_percentiles(std::vector<double> values);

// One sample of the SRAM occupancy, taken at each admission and close (docs/serving.md).
struct OccupancySample {
  uint64_t cycle = 0;
  uint32_t users = 0;              // sequences open after the event
  uint64_t kv_reserved_bytes = 0;  // KV SRAM allocated to open sequences
  uint64_t kv_occupied_bytes = 0;  // KV rows written by open sequences
  uint64_t lora_bytes = 0;         // LoRA SRAM in use: 0 until LoRA adapters are modelled
};
inline constexpr size_t kMaxOccupancySamples = 1024;

// One LoRA adapter the host loaded into the chip.
struct AdapterResult {
  std::string name;          // the GGUF path
  uint32_t slot = 0;         // the chip's LoRA slot
  uint64_t load_cycles = 0;  // streaming it through the LoRA window
  uint64_t requests = 0;     // served requests bound to it
};

// A unit stepped as RTL in the loop.
struct RtlUnitResult {
  std::string name;  // "layer0.qkv"
  int64_t rows = 0;  // rows of the generated slice
  uint64_t tokens = 0;
  uint64_t rtl_cycles = 0;       // clocks the Verilated unit was stepped
  arch::UnitTiming first;        // latency and interval it measured for a zero token
  uint64_t outputs_checked = 0;  // functional: its fp32 outputs against numerics' dot products
  uint64_t mismatches = 0;
  double build_seconds = 0;
};

struct RunResult {
  std::string model;
  std::string mode;      // "functional" | "timing"
  std::string clocking;  // "skip" | "lockstep"
  arch::ChipConfig config;
  double clock_hz = 0;
  uint64_t cycles_total = 0;
  uint64_t tokens_generated = 0;
  std::vector<UserResult> users;
  double tokens_per_s_per_user = 0;   // mean over users that were served
  double tokens_per_s_aggregate = 0;  // every generated token / (cycles_total / clock_hz)
  // Serving (docs/serving.md): requests served and refused, percentiles over served requests
  // (TPOT over those with two tokens or more), most sequences open at once, occupancy samples
  // (at most kMaxOccupancySamples: evenly thinned, the first and last kept).
  uint64_t requests_done = 0;
  uint64_t requests_refused = 0;
  Percentiles ttft_cycles;
  Percentiles tpot_cycles;
  uint32_t peak_users = 0;
  std::vector<OccupancySample> occupancy;
  std::vector<LayerResult> layers;
  uint64_t kv_capacity_bytes = 0;
  uint64_t kv_peak_bytes = 0;
  uint64_t lora_capacity_bytes = 0;
  uint64_t lora_peak_bytes = 0;  // A and B matrices resident at once
  std::vector<AdapterResult> adapters;
  std::map<std::string, uint64_t> cells;  // weight-cell count by GGUF type name ("q4_0", ...)
  // Energy (arch/energy.hpp) over the whole run, from its counted activity, and area
  // (arch/area.hpp). Per token: per generated token (prefill included).
  arch::EnergySplit energy_j;     // joules by block
  double energy_j_per_token = 0;  // energy_j.total() / tokens_generated
  double power_w = 0;             // energy_j.total() / seconds
  double tokens_per_joule = 0;    // tokens_generated / energy_j.total()
  uint64_t kv_bits_read = 0;      // KV SRAM activity
  uint64_t kv_bits_written = 0;
  arch::AreaBreakdown area;  // transistors and mm^2 by block
  std::vector<RtlUnitResult> rtl_units;
  uint64_t wakes = 0;       // activations of the chip's clock process
  double wall_seconds = 0;  // host time of sc_start
  double cpu_seconds = 0;   // CPU time of the process during sc_start (wall time minus waiting
                            // for the CPU on a shared machine; every thread, so ~wall at best)
};

// The weight types of a model file, each layer its own (every layer stage is its own silicon), and
// the LM head's (token_embd when the output is tied).
arch::ModelWeightTypes model_weight_types(const model::LlamaModel& model);

// Runs the workload. Functional runs take the weight types from the file. Functional mode needs
// `file` (its tensors are used in place); timing mode uses it only for --rtl-units (its weights).
// Throws std::invalid_argument / arch::ConfigError with a clear message for a workload the chip
// refuses (KV SRAM too small, context too long, token outside the vocabulary).
RunResult run(const RunOptions& options, const gguf::GgufFile* file);

}  // namespace etchsim::sim
