// Weights interleaved 8 rows at a time, the layouts the fast Repacked-order kernels
// (rows8-inl.hpp) read as one sequential stream (docs/formats.md §4.2 "Interleaved copies").
// llama.cpp's CPU_REPACK buffer does the same at load time for the same reason (block_q4_0x8,
// block_q4_Kx8: its gemv reads 8 rows' blocks from one place); the layouts here are etchsim's
// own, shaped for its kernels, and the arithmetic is unchanged: a matvec on an interleaved copy
// gives the bits of the file's layout.
//
// Both layouts have the row-major tensor's byte count, and each whole group of 8 rows
// g = 0 .. rows / 8 - 1 occupies the bytes it occupies row-major, [g * 8 * row_bytes,
// (g + 1) * 8 * row_bytes); the rows % 8 rows after the last whole group follow verbatim. Within a
// group:
//  * q4_0x8 (Q4_0): first blocks x 128 bytes of codes, block b at 128 b, as 4 quads of 32 bytes:
//    quad k holds qs bytes 4k .. 4k + 3 of rows 0..7 (row r at 32 k + 4 r); then blocks x 16
//    bytes of scales, block b at 128 blocks + 16 b: the 8 rows' fp16 d in row order.
//  * q4_Kx8 (Q4_K): block b of rows 0..7 in row order, whole (144 bytes each), block b of row r
//    at (8 b + r) * 144.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "etchsim/gguf/ggml_type.hpp"
#include "etchsim/numerics/dot.hpp"

namespace etchsim::numerics {

// True if the fast kernels have an interleaved layout for (type, order): Q4_0 and Q4_K in the
// Repacked order (the 8-row kernels; vec_dot reads rows one at a time, which the file's layout
// already streams).
bool has_interleaved_layout(gguf::GgmlType type, DotOrder order);

// out = the interleaved layout of `rows` row-major rows of `cols` elements of `type` (`in`); in
// and out have rows * row_bytes(type, cols) bytes and do not overlap. Throws
// std::invalid_argument for other sizes or a type without a layout.
void interleave_rows8(gguf::GgmlType type, std::span<const std::byte> in, int64_t rows,
                      int64_t cols, std::span<std::byte> out);

// out = the bytes of block `block` of row `row` read back from an interleaved layout (the
// inverse, for readers that want the file's blocks); out has the type's block size.
void interleaved_block(gguf::GgmlType type, std::span<const std::byte> packed, int64_t rows,
                       int64_t cols, int64_t row, int64_t block, std::span<std::byte> out);

}  // namespace etchsim::numerics
