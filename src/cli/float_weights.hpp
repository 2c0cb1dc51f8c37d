// `etchsim run` on a model whose matrices are floats (F32, F16, BF16): the chip cannot hard-wire
// them as codes, so the run is refused with the `etchsim quantize` command that makes the file
// runnable.
#pragma once

#include <string>

#include "etchsim/gguf/reader.hpp"

namespace etchsim::cli {

// Throws std::invalid_argument when a matrix the chip would hard-wire (layer matrices and the LM
// head: output.weight, or token_embd.weight when the model ties them) is F32/F16/BF16: for an
// unquantized file with the `etchsim quantize` command that makes it runnable; for a quantized
// file whose narrow rows fell back to F16, naming one and the allow_f16_weights opt-in. `path`
// is the file as the user named it.
void refuse_float_weights(const gguf::GgufFile& file, const std::string& path);

}  // namespace etchsim::cli
