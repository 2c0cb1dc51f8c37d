// What every stage of the chip is built from: the configuration, the model's shape and weight
// types, the KV and LoRA SRAMs, the token payloads (functional runs) and the pipeline they join.
#pragma once

#include <span>
#include <vector>

#include "etchsim/arch/chip_config.hpp"
#include "etchsim/arch/pipeline_timing.hpp"
#include "etchsim/chip/kv_sram.hpp"
#include "etchsim/chip/lora_sram.hpp"
#include "etchsim/chip/pipeline.hpp"
#include "etchsim/chip/token_store.hpp"
#include "etchsim/chip/unit_timing_source.hpp"
#include "etchsim/golden/sampling.hpp"
#include "etchsim/model/llama_shape.hpp"

namespace etchsim::chip {

struct ChipContext {
  const arch::ChipConfig& config;
  const model::LlamaShape& shape;
  const arch::ModelWeightTypes& types;  // each layer stage its own
  uint32_t max_positions;  // the longest sequence the run opens (sizes attention's pipeline)
  KvSram& kv;
  LoraSram& lora;
  TokenStore& tokens;
  Pipeline& pipeline;
  std::span<const UnitTimingOverride> timing_overrides;  // RTL in the loop (chip.hpp)
  // Attention's timing by position, filled as positions come (every layer's attention unit is
  // alike); latency 0: not computed yet.
  std::vector<arch::UnitTiming> attention_timing;
};

}  // namespace etchsim::chip
