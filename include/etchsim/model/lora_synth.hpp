// `etchsim synth-lora`: a llama.cpp LoRA adapter GGUF (docs/formats.md §7) for a base Llama with
// seeded random A and B: A ~ U(-1/sqrt(n_in), 1/sqrt(n_in)), B ~ U(-b_range, b_range), small
// enough that the adapter perturbs the model without swamping it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "etchsim/gguf/ggml_type.hpp"
#include "etchsim/model/llama_model.hpp"
#include "etchsim/model/lora_adapter.hpp"

namespace etchsim::model {

struct LoraSynthOptions {
  int64_t rank = 8;
  std::vector<LoraRole> targets{LoraRole::AttnQ, LoraRole::AttnV};
  float alpha = 8.0f;  // written as adapter.lora.alpha (f32); 0 = no alpha/rank factor
  // f32, f16, bf16 or q8_0; a q8_0 tensor whose row length is not a multiple of 32 is written as
  // f16 (as llama.cpp's convert_lora_to_gguf.py does).
  gguf::GgmlType type = gguf::GgmlType::F32;
  uint64_t seed = 1;
  size_t layer_begin = 0;       // adapted layers [layer_begin, layer_end)
  size_t layer_end = SIZE_MAX;  // clamped to the model's layer count
  float b_range = 0.05f;
  // Value of every B element instead of random ones when set to 0 (a no-op adapter, for tests).
  bool zero_b = false;
};

struct LoraSynthResult {
  size_t n_tensors = 0;
  std::vector<std::string> notes;  // type fallbacks, one per tensor
};

// Writes the adapter for a base of shape `base` (general.architecture "llama") to `out`. Throws
// std::invalid_argument for a rank < 1, no targets, an empty layer range or an unsupported type.
LoraSynthResult synth_lora(const LlamaShape& base, const LoraSynthOptions& options,
                           const std::filesystem::path& out);

}  // namespace etchsim::model
