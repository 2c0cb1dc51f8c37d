// What `etchsim run` and `etchsim compare` share: the flagship defaults (llama-3.1-8b shape,
// mix36 weights, the built-in configs/hc1.toml, 1024 + 1024 tokens), the chip configuration from
// --config / --set, and the weight types of a synth quant scheme.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "etchsim/arch/chip_config.hpp"
#include "etchsim/arch/pipeline_timing.hpp"
#include "etchsim/model/llama_shape.hpp"
#include "etchsim/model/synth.hpp"

namespace etchsim::cli {

inline constexpr const char* kDefaultShape = "llama-3.1-8b";
inline constexpr const char* kDefaultWeights = "mix36";
inline constexpr uint32_t kDefaultTokens = 1024;  // prompt and generated, when not given

// The chip configuration: the file (default: the built-in configs/hc1.toml), then each --set in
// order.
arch::ChipConfig resolve_chip_config(const std::optional<std::string>& path,
                                     const std::vector<std::string>& sets);

// The weight type of each matrix role as `etchsim synth --quant SCHEME` writes them.
arch::ModelWeightTypes scheme_weight_types(const model::LlamaShape& shape,
                                           model::QuantScheme scheme);

}  // namespace etchsim::cli
