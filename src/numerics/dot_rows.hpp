// A range of rows of one matvec, for the fast (SIMD) kernels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "etchsim/numerics/activation.hpp"
#include "etchsim/numerics/dot.hpp"
#include "etchsim/numerics/profile.hpp"

namespace etchsim::numerics::detail {

struct RowsTask {
  gguf::GgmlType type;
  DotOrder order;
  CpuProfile profile;
  const std::byte* data;  // row 0
  size_t row_bytes;
  const Activation* x;
  int64_t row_begin;
  int64_t row_end;
  float* y;  // indexed by row
  // Q8_0 activations: the sum of each block's 32 codes (q8_0_block_sums), or null.
  const int32_t* q8_0_sums = nullptr;
  // Q8_0 activations: each block's scale widened to f32 (q8_0_block_scales), or null.
  const float* q8_0_d = nullptr;
  // The matrix's row count, bounding the prefetch of the 8-row kernels (0: row_end).
  int64_t rows = 0;
  // Q4_0 / Q4_K Repacked: the matrix in its interleaved layout (repack.hpp), or null. The SIMD
  // kernels then read it instead of `data` (whole groups interleaved, the tail rows verbatim at
  // their offsets).
  const std::byte* interleaved = nullptr;
};

// dot_rows_fast for n tasks that differ only in x, y, q8_0_sums and q8_0_d (prompt tokens): each
// weight block is read (and for Q3_K / Q6_K decoded) once for all of them.
void dot_rows_batch_fast(const RowsTask* tasks, size_t n);

// out[i] = f16 h[i] widened to f32 (exact), on SIMD (the KV cache's loads).
void half_to_float_fast(const uint16_t* h, float* out, size_t n);

// sums[b] = the sum of the 32 int8 codes of Q8_0 activation block b.
std::vector<int32_t> q8_0_block_sums(const Activation& x);

// d[b] = the scale of Q8_0 activation block b widened (exactly) to f32.
std::vector<float> q8_0_block_scales(const Activation& x);

// y[r] = dot_row(...) for r in [row_begin, row_end), bit-identical to the scalar reference,
// on the best SIMD target of the running CPU (Highway dynamic dispatch).
void dot_rows_fast(const RowsTask& task);

}  // namespace etchsim::numerics::detail
