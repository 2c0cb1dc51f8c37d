// Weight schemes: which GGML type each weight matrix of a Llama model gets. Used by `etchsim synth
// --quant`, by `--weights` of timing runs without a file, and by requantization.
//
// Two kinds:
// - etchsim's own schemes: one type for every matrix (f32 ... q6_k), or mix36 (Q3_K for most
//   matrices, Q6_K for attn_v, ffn_down and output: the 3/6-bit mix of a hard-wired chip);
// - llama-quantize's mixtures (q3_k_s ... q5_k_m), which give attn_v, ffn_down and attn_output
//   another type in some layers than in others, reproduced from llama.cpp's
//   llama_tensor_get_type (src/llama-quant.cpp) for the llama architecture without an importance
//   matrix: use_more_bits(i, n) = i < n/8 || i >= 7n/8 || (i - n/8) % 3 == 2.
// A matrix whose rows are not a whole number of the type's blocks falls back as llama.cpp does
// (matrix_type_for_rows).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "etchsim/gguf/ggml_type.hpp"
#include "etchsim/model/llama_shape.hpp"

namespace etchsim::model {

enum class QuantScheme {
  F32,
  F16,
  Q8_0,
  Q4_0,
  Q4_K,
  Q3_K,
  Q6_K,
  Mix36,
  // llama-quantize's mixtures (LLAMA_FTYPE_MOSTLY_*).
  Q3_K_S,
  Q3_K_M,
  Q3_K_L,
  Q4_K_S,
  Q4_K_M,
  Q5_K_S,
  Q5_K_M,
};
std::optional<QuantScheme> quant_scheme_from_name(std::string_view name);
std::string_view quant_scheme_name(QuantScheme scheme);
std::vector<std::string> quant_scheme_names();
// llama_ftype (llama.h), recorded as general.file_type.
uint32_t quant_scheme_file_type(QuantScheme scheme);

// The weight matrices of a Llama model.
enum class WeightRole { TokenEmbd, Q, K, V, O, Gate, Up, Down, Output };

// True for llama-quantize's mixtures (types that depend on the layer), false for etchsim's own.
bool is_llama_mixture(QuantScheme scheme);
// The type of one of etchsim's own schemes for a matrix (as `llama-quantize --pure` with mix36's
// overrides): `wide` marks attn_v, ffn_down and output.weight, which mix36 keeps at Q6_K. Before
// the row-length fallback. Throws std::invalid_argument for a mixture.
gguf::GgmlType scheme_weight_type(QuantScheme scheme, bool wide);
// The scheme's type for a matrix of layer `layer` (ignored for token_embd and output), before
// the row-length fallback.
gguf::GgmlType scheme_tensor_type(QuantScheme scheme, WeightRole role, uint32_t layer,
                                  const LlamaShape& shape);

// llama.cpp's fallback for rows of `ne0` elements that are not a whole number of `type`'s blocks:
// Q2_K/Q3_K -> Q4_0, Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0, then F16 if that does not fit
// either. Returns `type` when the rows fit.
gguf::GgmlType matrix_type_for_rows(gguf::GgmlType type, int64_t ne0);

}  // namespace etchsim::model
