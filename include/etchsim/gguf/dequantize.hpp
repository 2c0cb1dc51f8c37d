// Dequantisation of every block format etchsim reads, identical to ggml's dequantize_row_*
// (docs/formats.md §3): every product and sum rounded separately, in ggml's C order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "etchsim/gguf/ggml_type.hpp"

namespace etchsim::gguf {

// Dequantises n elements (a multiple of the type's block size) stored at `src` into `dst`.
// Throws std::invalid_argument for a type etchsim does not dequantize
// (TypeTraits::etchsim_dequantizes) or a size that is not a whole number of blocks.
void dequantize(GgmlType type, std::span<const std::byte> src, std::span<float> dst);

}  // namespace etchsim::gguf
