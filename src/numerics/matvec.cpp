// Matrix-vector products: activation prepared once, one dot per row (matvec.hpp).
#include "etchsim/numerics/matvec.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "dot_rows.hpp"
#include "etchsim/gguf/fp16.hpp"
#include "etchsim/numerics/repack.hpp"

namespace etchsim::numerics {
namespace {

// Below this many weight elements a matvec runs on the calling thread.
constexpr int64_t kParallelElements = int64_t{1} << 18;
// Rows per task: a multiple of 8, so the 8-row kernels (rows8-inl.hpp) see whole groups.
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

void check_input(const WeightMatrix& w, const Activation& x, size_t y_size, DotOrder order) {
  check_shape(w, x.size(), y_size);
  if (!w.interleaved.empty() && w.interleaved.size() != w.data.size()) {
    throw std::invalid_argument("matvec: the interleaved copy's size differs from the weights'");
  }
  if (x.type() != vec_dot_type(w.type) || !has_dot_order(w.type, order)) {
    throw std::invalid_argument("matvec: activation type or order does not fit the weights");
  }
}

// The interleaved copy the fast kernels read for (w, order), or null.
const std::byte* interleaved_for(const WeightMatrix& w, DotOrder order) {
  return !w.interleaved.empty() && has_interleaved_layout(w.type, order) ? w.interleaved.data()
                                                                         : nullptr;
}

}  // namespace

namespace detail {

std::vector<int32_t> q8_0_block_sums(const Activation& x) {
  std::vector<int32_t> sums;
  sums.reserve(x.q8_0().size());
  for (const gguf::BlockQ8_0& b : x.q8_0()) {
    int32_t sum = 0;
    for (const int8_t q : b.qs) sum += q;
    sums.push_back(sum);
  }
  return sums;
}

std::vector<float> q8_0_block_scales(const Activation& x) {
  std::vector<float> d;
  d.reserve(x.q8_0().size());
  for (const gguf::BlockQ8_0& b : x.q8_0()) d.push_back(gguf::fp16_to_fp32(b.d));
  return d;
}

}  // namespace detail

void matvec(const WeightMatrix& w, std::span<const float> x, std::span<float> y, CpuProfile profile,
            Kernel kernel) {
  const Activation prepared(w.type, x);
  matvec(w, prepared, y, default_dot_order(w.type, w.rows, profile), profile, kernel);
}

void matvec(const WeightMatrix& w, const Activation& x, std::span<float> y, DotOrder order,
            CpuProfile profile, Kernel kernel) {
  check_input(w, x, y.size(), order);
  const size_t row_bytes = gguf::row_bytes(w.type, w.cols);
  if (kernel == Kernel::Scalar) {
    for (int64_t r = 0; r < w.rows; ++r) {
      y[static_cast<size_t>(r)] = dot_row(
          w.type, order, profile, w.data.subspan(static_cast<size_t>(r) * row_bytes, row_bytes), x);
    }
    return;
  }
  detail::RowsTask task{w.type, order, profile, w.data.data(), row_bytes, &x, 0, w.rows, y.data()};
  task.rows = w.rows;
  task.interleaved = interleaved_for(w, order);
  std::vector<int32_t> sums;
  std::vector<float> scales;
  if (x.type() == gguf::GgmlType::Q8_0) {
    sums = detail::q8_0_block_sums(x);
    scales = detail::q8_0_block_scales(x);
    task.q8_0_sums = sums.data();
    task.q8_0_d = scales.data();
  }
  if (w.rows * w.cols < kParallelElements) {
    detail::dot_rows_fast(task);
    return;
  }
  // Each row is one independent dot product, so the split does not change any result. The
  // range counts groups of 8 rows (the last one may be short).
  const int64_t groups = (w.rows + 7) / 8;
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, groups, kRowGrain / 8),
                    [task, rows = w.rows](const tbb::blocked_range<int64_t>& range) {
                      detail::RowsTask part = task;
                      part.row_begin = 8 * range.begin();
                      part.row_end = std::min(rows, 8 * range.end());
                      detail::dot_rows_fast(part);
                    });
}

void matmat(const WeightMatrix& w, std::span<const Activation* const> xs,
            std::span<const std::span<float>> ys, DotOrder order, CpuProfile profile,
            Kernel kernel) {
  if (xs.size() != ys.size()) {
    throw std::invalid_argument("matmat: " + std::to_string(xs.size()) + " activations but " +
                                std::to_string(ys.size()) + " outputs");
  }
  for (size_t t = 0; t < xs.size(); ++t) check_input(w, *xs[t], ys[t].size(), order);
  if (kernel == Kernel::Scalar || xs.size() == 1) {
    for (size_t t = 0; t < xs.size(); ++t) matvec(w, *xs[t], ys[t], order, profile, kernel);
    return;
  }
  const size_t row_bytes = gguf::row_bytes(w.type, w.cols);
  std::vector<detail::RowsTask> tasks;
  std::vector<std::vector<int32_t>> sums(xs.size());
  std::vector<std::vector<float>> scales(xs.size());
  for (size_t t = 0; t < xs.size(); ++t) {
    tasks.push_back(
        {w.type, order, profile, w.data.data(), row_bytes, xs[t], 0, w.rows, ys[t].data()});
    tasks.back().rows = w.rows;
    tasks.back().interleaved = interleaved_for(w, order);
    if (xs[t]->type() == gguf::GgmlType::Q8_0) {
      sums[t] = detail::q8_0_block_sums(*xs[t]);
      scales[t] = detail::q8_0_block_scales(*xs[t]);
      tasks.back().q8_0_sums = sums[t].data();
      tasks.back().q8_0_d = scales[t].data();
    }
  }
  // Every (row group, token) pair is the matvec's own kernel call on the same rows, so the
  // results are the matvec's; the token loop inside the row loop keeps the rows in cache. Two
  // groups at a time: the AVX-512 kernels take 16 rows at once (rows16-inl.hpp).
  const auto run_groups = [&tasks, rows = w.rows](int64_t group_begin, int64_t group_end) {
    std::vector<detail::RowsTask> parts = tasks;
    for (int64_t g = group_begin; g < group_end; g += 2) {
      for (detail::RowsTask& part : parts) {
        part.row_begin = 8 * g;
        part.row_end = std::min(rows, 8 * std::min(g + 2, group_end));
      }
      detail::dot_rows_batch_fast(parts.data(), parts.size());
    }
  };
  const int64_t groups = (w.rows + 7) / 8;
  if (w.rows * w.cols < kParallelElements) {
    run_groups(0, groups);
    return;
  }
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, groups, kRowGrain / 8),
                    [&run_groups](const tbb::blocked_range<int64_t>& range) {
                      run_groups(range.begin(), range.end());
                    });
}

}  // namespace etchsim::numerics
