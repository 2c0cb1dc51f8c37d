// Matrix-vector products y = W x with W in its GGUF block format: the activation is prepared once
// (activation.hpp), then one dot product per row (dot.hpp for the orders). Kernel::Scalar runs the
// reference dot_row; Kernel::Fast runs Highway SIMD kernels (dynamic dispatch) over row ranges in
// parallel with oneTBB. Both give bit-identical results for any thread count. The profile
// (profile.hpp) chooses which llama.cpp CPU build's orders are emulated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "etchsim/gguf/ggml_type.hpp"
#include "etchsim/numerics/activation.hpp"
#include "etchsim/numerics/dot.hpp"
#include "etchsim/numerics/profile.hpp"

namespace etchsim::numerics {

// A weight tensor of `rows` rows of `cols` elements (ggml ne = [cols, rows]), row-major.
struct WeightMatrix {
  gguf::GgmlType type;
  int64_t rows;
  int64_t cols;
  std::span<const std::byte> data;  // rows * row_bytes(type, cols) bytes
  // The same weights in the fast kernels' interleaved layout (repack.hpp), or empty. Read only by
  // Kernel::Fast in an order has_interleaved_layout accepts (the results are the same bits as
  // from `data`); every other path reads `data`.
  std::span<const std::byte> interleaved = {};
};

// y (rows) = W x (cols), with the order the profile's llama.cpp build uses (default_dot_order).
void matvec(const WeightMatrix& w, std::span<const float> x, std::span<float> y, CpuProfile profile,
            Kernel kernel = Kernel::Fast);

// y = W x with an already prepared activation (type vec_dot_type(w.type)) and an explicit order.
void matvec(const WeightMatrix& w, const Activation& x, std::span<float> y, DotOrder order,
            CpuProfile profile, Kernel kernel = Kernel::Fast);

// Y = W X for several prepared activations (prompt tokens), ys[t] = W xs[t]: every ys[t] is
// bit-identical to matvec(w, *xs[t], ys[t], order, profile, kernel), but each group of 8 rows is
// read from memory once and multiplied with every activation while it is in cache (prefill: a
// weight block loaded once serves several tokens). xs and ys have the same length; every
// activation has type vec_dot_type(w.type) and w.cols values, every ys[t] has w.rows values.
void matmat(const WeightMatrix& w, std::span<const Activation* const> xs,
            std::span<const std::span<float>> ys, DotOrder order, CpuProfile profile,
            Kernel kernel = Kernel::Fast);

}  // namespace etchsim::numerics
