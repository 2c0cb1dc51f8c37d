// A range of rows of one matvec, for the fast (SIMD) kernels.
#pragma once

#include <cstddef>
#include <cstdint>

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
};

// y[r] = dot_row(...) for r in [row_begin, row_end), bit-identical to the scalar reference,
// on the best SIMD target of the running CPU (Highway dynamic dispatch).
void dot_rows_fast(const RowsTask& task);

}  // namespace etchsim::numerics::detail
