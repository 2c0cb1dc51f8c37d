// Quantisers. Weight quantisers turn f32 rows into a GGUF block format (for writing models);
// activation quantisers reproduce exactly what ggml's CPU back end does to the activation
// vector before a block dot product (docs/formats.md §4.3).
#pragma once

#include <cstddef>
#include <span>

#include "etchsim/gguf/blocks.hpp"
#include "etchsim/gguf/ggml_type.hpp"

namespace etchsim::gguf {

// Weight quantisation of n elements (a multiple of the block size) into `dst`
// (row_bytes(type, n) bytes). Supported: F32, F16, BF16, Q8_0, Q4_0, Q5_0, Q4_K, Q3_K, Q6_K;
// every quantised type is bit-exact with ggml's quantize_row_<type>_ref (no importance matrix),
// so the bytes equal llama-quantize's.
// Throws std::invalid_argument for other types.
void quantize(GgmlType type, std::span<const float> src, std::span<std::byte> dst);
bool can_quantize(GgmlType type);

// Activation quantisation as ggml's x86 CPU path runs it.
// Q8_0: d = amax/127 (stored fp16 RNE), id = 127/amax, q = round-half-even(x*id).
void quantize_activation_q8_0(std::span<const float> x, std::span<BlockQ8_0> out);
// Q8_1: as Q8_0 plus s = fp16(d * sum(q)) with the unrounded f32 d.
void quantize_activation_q8_1(std::span<const float> x, std::span<BlockQ8_1> out);
// Q8_K: quantize_row_q8_K_ref: iscale = -127/max (signed first strict maximum),
// q = min(127, nearest_int(iscale*x)) (round-half-even), d = 1/iscale (f32), bsums per 16.
void quantize_activation_q8_k(std::span<const float> x, std::span<BlockQ8_K> out);
// Scalar reference quantize_row_q8_0_ref (roundf: half away from zero), used by non-SIMD builds.
void quantize_activation_q8_0_ref(std::span<const float> x, std::span<BlockQ8_0> out);

}  // namespace etchsim::gguf
