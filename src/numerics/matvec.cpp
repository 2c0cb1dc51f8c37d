// Matrix-vector products: activation prepared once, one dot per row (matvec.hpp).
#include "etchsim/numerics/matvec.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <stdexcept>
#include <string>

#include "dot_rows.hpp"

namespace etchsim::numerics {
namespace {

// Below this many weight elements a matvec runs on the calling thread.
constexpr int64_t kParallelElements = int64_t{1} << 18;
constexpr int64_t kRowGrain = 16;

void check_shape(const WeightMatrix& w, int64_t x_size, size_t y_size) {
  const uint64_t bytes = gguf::row_bytes(w.type, w.cols) * static_cast<uint64_t>(w.rows);
  if (w.rows < 0 || x_size != w.cols || y_size != static_cast<size_t>(w.rows) ||
      w.data.size() != bytes) {
    throw std::invalid_argument("matvec: " + std::string(gguf::traits(w.type).name) + " " +
                                std::to_string(w.rows) + "x" + std::to_string(w.cols) +
                                " matrix does not match x, y or its byte size");
  }
}

}  // namespace

void matvec(const WeightMatrix& w, std::span<const float> x, std::span<float> y, CpuProfile profile,
            Kernel kernel) {
  const Activation prepared(w.type, x);
  matvec(w, prepared, y, default_dot_order(w.type, w.rows, profile), profile, kernel);
}

void matvec(const WeightMatrix& w, const Activation& x, std::span<float> y, DotOrder order,
            CpuProfile profile, Kernel kernel) {
  check_shape(w, x.size(), y.size());
  if (x.type() != vec_dot_type(w.type) || !has_dot_order(w.type, order)) {
    throw std::invalid_argument("matvec: activation type or order does not fit the weights");
  }
  const size_t row_bytes = gguf::row_bytes(w.type, w.cols);
  if (kernel == Kernel::Scalar) {
    for (int64_t r = 0; r < w.rows; ++r) {
      y[static_cast<size_t>(r)] = dot_row(
          w.type, order, profile, w.data.subspan(static_cast<size_t>(r) * row_bytes, row_bytes), x);
    }
    return;
  }
  detail::RowsTask task{w.type, order, profile, w.data.data(), row_bytes, &x, 0, w.rows, y.data()};
  if (w.rows * w.cols < kParallelElements) {
    detail::dot_rows_fast(task);
    return;
  }
  // Each row is one independent dot product, so the split does not change any result.
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, w.rows, kRowGrain),
                    [task](const tbb::blocked_range<int64_t>& range) {
                      detail::RowsTask part = task;
                      part.row_begin = range.begin();
                      part.row_end = range.end();
                      detail::dot_rows_fast(part);
                    });
}

}  // namespace etchsim::numerics
