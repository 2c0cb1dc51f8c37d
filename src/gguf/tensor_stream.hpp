// Internal: streams tensor data to a sink. Each tensor's rows are cut into chunks of a few
// tens of MiB; the fill callbacks of several chunks run in parallel (oneTBB pipeline) while
// the chunks are written strictly in order, with a bounded number of chunk buffers.
#pragma once

#include <cstdint>
#include <span>

#include "byte_sink.hpp"
#include "etchsim/gguf/writer.hpp"

namespace etchsim::gguf {

struct StreamedTensor {
  const TensorFill* fill;
  uint64_t row_bytes;
  int64_t n_rows;
  uint64_t padded_bytes;  // row_bytes * n_rows, padded to the alignment with zeros
};

void stream_tensors(std::span<const StreamedTensor> tensors, ByteSink& sink);

}  // namespace etchsim::gguf
