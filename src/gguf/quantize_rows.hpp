// Per-format weight quantisers behind gguf::quantize. Each turns `nblocks` blocks of floats at
// `src` into blocks written (unaligned) at `dst`. Inputs are finite (checked by the caller).
#pragma once

#include <cstddef>

namespace etchsim::gguf::detail {

void quantize_q3_k(const float* src, std::byte* dst, size_t nblocks);
void quantize_q4_k(const float* src, std::byte* dst, size_t nblocks);
void quantize_q6_k(const float* src, std::byte* dst, size_t nblocks);

}  // namespace etchsim::gguf::detail
