// Per-layer stage timing, the n_layer-stage pipeline, and the quick analytic tokens/s estimate
// the cycle-level chip is cross-checked against (docs/timing.md).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "etchsim/arch/chip_config.hpp"
#include "etchsim/arch/timing.hpp"
#include "etchsim/arch/weight_types.hpp"
#include "etchsim/gguf/ggml_type.hpp"
#include "etchsim/model/llama_shape.hpp"

namespace etchsim::arch {

struct UnitStep {
  std::string_view unit;  // "attn_norm", "qkv", "attention", ...
  UnitTiming timing;
};

// Units in the order one token passes them; latency adds up, interval is the slowest unit's.
struct StageTiming {
  std::vector<UnitStep> units;
  uint64_t latency = 0;
  uint64_t interval = 0;
};

// One layer for a token at position n_pos - 1 (attending over n_pos positions): every unit of
// the unit registry's layer_units() (unit_registry.hpp), in its order and with its name.
StageTiming layer_timing(const ChipConfig& config, const model::LlamaShape& shape,
                         const WeightTypes& types, uint64_t n_pos, bool allow_float);
// Final RMSNorm, quantiser, output matvec (n_vocab rows) and argmax: the registry's head_units().
StageTiming lm_head_timing(const ChipConfig& config, const model::LlamaShape& shape,
                           const WeightTypes& types, bool allow_float);

// Bytes of one token-out FIFO entry (sequence, position, token id, flags: 4 x u32), the chip's
// answer to the host for every token.
inline constexpr uint64_t kTokenEntryBytes = 16;
// Each unit hands its result to the next through a pipeline register the consumer reads one
// cycle later (chip/pipeline_register.hpp).
inline constexpr uint64_t kRegisterCycles = 1;

// The host link as two units: `host_in` (the embedding's transfer is the host's write, then
// latency_cycles to cross the link) and `host_out` (latency_cycles + the entry's transfer).
UnitTiming host_in_timing(const HostConfig& host);
UnitTiming host_out_timing(const HostConfig& host);
// Cycles the host spends writing one fp32 embedding (4 n_embd bytes) into the chip.
uint64_t embedding_transfer_cycles(const model::LlamaShape& shape, const HostConfig& host);

struct TokenTiming {
  uint64_t latency = 0;   // embedding transfer + every unit's latency + one cycle per register
  uint64_t interval = 0;  // slowest unit: the pipeline's initiation interval
};
// One token through the whole chip, from the host starting its embedding write to the token-out
// entry reaching the host: transfer, host_in, n_layer layers (each with its own types), LM head,
// host_out, each unit followed by its output register.
TokenTiming token_timing(const ChipConfig& config, const model::LlamaShape& shape,
                         const ModelWeightTypes& types, uint64_t n_pos);

struct Workload {
  uint64_t prompt_tokens = 1024;
  uint64_t generated_tokens = 1024;
};

struct Estimate {
  uint64_t ttft_cycles = 0;    // prompt streamed back to back; first token out of the last one
  uint64_t decode_cycles = 0;  // the other generated_tokens - 1, each fed back through the chip
  double ttft_s = 0;
  double tokens_per_s_per_user = 0;   // (generated_tokens - 1) / decode time
  double tokens_per_s_aggregate = 0;  // users that fit the KV SRAM, capped by the pipeline
  uint64_t kv_bytes_per_user = 0;     // at prompt + generated positions
  uint64_t max_users = 0;             // floor(KV capacity / kv_bytes_per_user)
};
Estimate estimate(const ChipConfig& config, const model::LlamaShape& shape,
                  const ModelWeightTypes& types, const Workload& workload);

}  // namespace etchsim::arch
