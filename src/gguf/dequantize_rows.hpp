// Per-format dequantisation kernels behind gguf::dequantize (docs/formats.md §3). Each reads
// `nblocks` possibly unaligned blocks at `src` and writes their elements to `dst`.
#pragma once

#include <cstddef>
#include <cstring>

namespace etchsim::gguf::detail {

// Copies one block out of the byte stream; GGUF blocks are not aligned (§3.1).
template <class Block>
Block load_block(const std::byte* p) {
  Block b;
  std::memcpy(&b, p, sizeof b);
  return b;
}

void dequantize_q4_0(const std::byte* src, float* dst, size_t nblocks);
void dequantize_q4_1(const std::byte* src, float* dst, size_t nblocks);
void dequantize_q5_0(const std::byte* src, float* dst, size_t nblocks);
void dequantize_q5_1(const std::byte* src, float* dst, size_t nblocks);
void dequantize_q8_0(const std::byte* src, float* dst, size_t nblocks);

void dequantize_q2_k(const std::byte* src, float* dst, size_t nblocks);
void dequantize_q3_k(const std::byte* src, float* dst, size_t nblocks);
void dequantize_q4_k(const std::byte* src, float* dst, size_t nblocks);
void dequantize_q5_k(const std::byte* src, float* dst, size_t nblocks);
void dequantize_q6_k(const std::byte* src, float* dst, size_t nblocks);

}  // namespace etchsim::gguf::detail
