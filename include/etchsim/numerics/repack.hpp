// Q4_0 weights interleaved 8 rows at a time ("q4_0x8"), the layout the fast Repacked-order
// kernels read as one sequential stream (docs/formats.md §4.6). llama.cpp's CPU_REPACK buffer
// does the same at load time for the same reason (block_q4_0x8: its gemv reads 8 rows' blocks
// from one place); the layout here is etchsim's own, shaped for its kernel (rows8-inl.hpp), and
// the arithmetic is unchanged: a matvec on the interleaved copy gives the bits of the file's
// layout.
//
// Layout, the same byte count as the row-major tensor: whole groups of 8 rows g = 0 .. rows / 8 - 1
// occupy the bytes the group occupies row-major, [g * 8 * row_bytes, (g + 1) * 8 * row_bytes):
//  * first blocks x 128 bytes of codes, block b at 128 b, as 4 quads of 32 bytes: quad k holds
//    qs bytes 4k .. 4k + 3 of rows 0..7 (row r at 32 k + 4 r);
//  * then blocks x 16 bytes of scales, block b at 128 blocks + 16 b: the 8 rows' fp16 d in row
//    order.
// The rows % 8 rows after the last whole group follow verbatim (row-major blocks).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "etchsim/gguf/blocks.hpp"
#include "etchsim/gguf/ggml_type.hpp"
#include "etchsim/numerics/dot.hpp"

namespace etchsim::numerics {

// True if the fast kernels have an interleaved layout for (type, order): Q4_0 in the Repacked
// order (the 8-row kernels; vec_dot reads rows one at a time, which the file's layout already
// streams).
bool has_interleaved_layout(gguf::GgmlType type, DotOrder order);

// out = the q4_0x8 layout of `rows` row-major Q4_0 rows of `cols` elements (`in`); in and out
// have rows * row_bytes(Q4_0, cols) bytes and do not overlap. Throws std::invalid_argument for
// other sizes.
void interleave_q4_0x8(std::span<const std::byte> in, int64_t rows, int64_t cols,
                       std::span<std::byte> out);

// Block `block` of row `row` read back from a q4_0x8 layout (the inverse, for readers that want
// the file's blocks).
gguf::BlockQ4_0 q4_0x8_block(std::span<const std::byte> packed, int64_t rows, int64_t cols,
                             int64_t row, int64_t block);

}  // namespace etchsim::numerics
