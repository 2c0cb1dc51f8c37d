// `etchsim quantize`: requantizes a Llama GGUF (F32, F16, BF16 or Q8_0 weights) into one of the
// chip's weight schemes tensor by tensor, as llama.cpp's llama-quantize does without an
// importance matrix, so the output file equals llama-quantize's byte for byte:
//   scheme T (one type)  = llama-quantize --pure IN OUT T
//   mix36                = llama-quantize --pure IN OUT Q3_K --tensor-type attn_v=q6_k
//                          --tensor-type ffn_down=q6_k --tensor-type '^output\.weight=q6_k'
//   --keep-output-f16    = the same plus --output-tensor-type f16
// (docs/quantize.md gives the rules: which tensors are quantized, the fallbacks, the order).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "etchsim/gguf/ggml_type.hpp"
#include "etchsim/gguf/reader.hpp"
#include "etchsim/model/synth.hpp"

namespace etchsim::quant {

struct RequantizeOptions {
  model::QuantScheme scheme = model::QuantScheme::Mix36;
  bool keep_output_f16 = false;  // output.weight as F16 (llama-quantize --output-tensor-type f16)
};

// One tensor of the output file, in output order.
struct TensorChoice {
  const gguf::TensorInfo* in = nullptr;       // the input tensor (points into the GgufFile)
  gguf::GgmlType type = gguf::GgmlType::F32;  // its type in the output
  std::string note;  // why the type differs from the scheme's (a row-length fallback), or ""
};

// The output's tensors and types. Throws std::invalid_argument naming the file and tensor when
// the file is not a Llama model or a tensor to be requantized has a type etchsim does not
// requantize from (only F32, F16, BF16 and Q8_0).
std::vector<TensorChoice> plan_requantize(const gguf::GgufFile& in,
                                          const RequantizeOptions& options);

struct RequantizeSummary {
  uint64_t bytes_in = 0;   // tensor data of the input
  uint64_t bytes_out = 0;  // tensor data of the output (unpadded)
  uint64_t file_bytes = 0;
  uint64_t n_params = 0;
  uint64_t n_requantized = 0;  // tensors converted (the rest are copied)
  uint64_t n_fallback = 0;     // tensors that took a fallback type
  double bits_per_weight() const {
    return n_params ? 8.0 * static_cast<double>(bytes_out) / static_cast<double>(n_params) : 0.0;
  }
};

// done / total output tensor bytes; called from the writing thread(s), serialised.
using RequantizeProgress = std::function<void(uint64_t done, uint64_t total)>;

// Writes the requantized file atomically (nothing is left at `out` on failure). A non-finite
// weight in a tensor to be quantized throws std::invalid_argument naming the tensor.
RequantizeSummary requantize(const gguf::GgufFile& in, const std::filesystem::path& out,
                             const RequantizeOptions& options,
                             const RequantizeProgress& progress = {});

}  // namespace etchsim::quant
