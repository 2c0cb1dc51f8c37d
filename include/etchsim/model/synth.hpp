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
#include "etchsim/model/synth_vocab.hpp"

namespace etchsim::model {

// --quant: one type for every matrix, or mix36 (Q3_K for most matrices, Q6_K for attn_v,
// ffn_down and output — the 3/6-bit mix of a hard-wired chip).
enum class QuantScheme { F32, F16, Q8_0, Q4_0, Q4_K, Q3_K, Q6_K, Mix36 };
std::optional<QuantScheme> quant_scheme_from_name(std::string_view name);
std::string_view quant_scheme_name(QuantScheme scheme);
std::vector<std::string> quant_scheme_names();
// The llama_ftype (llama.h) a file of this scheme records as general.file_type: what
// llama-quantize writes for the matching preset (q3_k and mix36: MOSTLY_Q3_K_M, q4_k:
// MOSTLY_Q4_K_M, as llama-quantize's Q3_K / Q4_K aliases).
uint32_t llama_file_type(QuantScheme scheme);
// The scheme's type for a weight matrix; `wide` marks attn_v, ffn_down and output.weight, which
// mix36 keeps at Q6_K (before any row-length fallback).
gguf::GgmlType scheme_weight_type(QuantScheme scheme, bool wide);

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
