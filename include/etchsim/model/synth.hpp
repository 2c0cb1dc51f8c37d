// `etchsim synth`: a Llama-architecture GGUF with seeded random weights, written straight in the
// target block format (gguf/random_blocks.hpp) so the 8B shape writes at disk speed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "etchsim/gguf/ggml_type.hpp"
#include "etchsim/model/llama_shape.hpp"
#include "etchsim/model/quant_scheme.hpp"  // --quant: QuantScheme
#include "etchsim/model/synth_vocab.hpp"

namespace etchsim::model {

struct SynthOptions {
  LlamaShape shape;
  QuantScheme quant = QuantScheme::Q8_0;
  VocabKind vocab = VocabKind::Gpt2Bpe;
  uint64_t seed = 1;
};

struct TensorPlan {
  std::string name;
  gguf::GgmlType type;
  std::vector<int64_t> ne;  // ggml order
  std::string note;         // e.g. why a fallback type was used; empty otherwise
};

// The tensors synth writes, in file order, with their types (no data generated).
std::vector<TensorPlan> plan_tensors(const SynthOptions& options);

// Progress: bytes of tensor data written so far and in total (called from one thread at a time).
using SynthProgress = std::function<void(uint64_t done, uint64_t total)>;
// Writes the model; nothing is left at `out` on failure.
void synth_model(const SynthOptions& options, const std::filesystem::path& out,
                 const SynthProgress& progress = {});

}  // namespace etchsim::model
