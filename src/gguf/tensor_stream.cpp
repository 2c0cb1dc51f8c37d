#include "tensor_stream.hpp"

#include <tbb/parallel_pipeline.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace etchsim::gguf {
namespace {

constexpr uint64_t kChunkTargetBytes = uint64_t{32} << 20;

struct Chunk {
  std::unique_ptr<std::byte[]> buffer;
  size_t capacity = 0;
  const StreamedTensor* tensor = nullptr;
  int64_t row_begin = 0;
  size_t data_bytes = 0;  // filled by the callback
  size_t pad_bytes = 0;   // zeros after the last chunk of a tensor

  void ensure_capacity(size_t n) {
    if (n <= capacity) return;
    buffer = std::make_unique_for_overwrite<std::byte[]>(n);
    capacity = n;
  }
};

// Hands out chunk buffers; the input and output filters run on different threads.
class ChunkPool {
 public:
  explicit ChunkPool(size_t n) : m_chunks(n) {
    for (auto& c : m_chunks) m_free.push_back(&c);
  }
  // The pipeline keeps at most as many tokens alive as there are chunks, so one is free.
  Chunk* take() {
    std::lock_guard lock(m_mutex);
    Chunk* c = m_free.back();
    m_free.pop_back();
    return c;
  }
  void give_back(Chunk* c) {
    std::lock_guard lock(m_mutex);
    m_free.push_back(c);
  }

 private:
  std::vector<Chunk> m_chunks;
  std::vector<Chunk*> m_free;
  std::mutex m_mutex;
};

// Walks tensors and row ranges in file order.
class ChunkPlanner {
 public:
  explicit ChunkPlanner(std::span<const StreamedTensor> tensors) : m_tensors(tensors) {}

  bool next(Chunk& chunk) {
    if (m_index == m_tensors.size()) return false;
    const StreamedTensor& t = m_tensors[m_index];
    const auto rows_per_chunk =
        static_cast<int64_t>(std::max<uint64_t>(1, kChunkTargetBytes / t.row_bytes));
    const int64_t rows = std::min(rows_per_chunk, t.n_rows - m_row);
    chunk.tensor = &t;
    chunk.row_begin = m_row;
    chunk.data_bytes = static_cast<size_t>(static_cast<uint64_t>(rows) * t.row_bytes);
    chunk.pad_bytes = 0;
    m_row += rows;
    if (m_row == t.n_rows) {
      chunk.pad_bytes =
          static_cast<size_t>(t.padded_bytes - static_cast<uint64_t>(t.n_rows) * t.row_bytes);
      ++m_index;
      m_row = 0;
    }
    return true;
  }

 private:
  std::span<const StreamedTensor> m_tensors;
  size_t m_index = 0;
  int64_t m_row = 0;
};

}  // namespace

void stream_tensors(std::span<const StreamedTensor> tensors, ByteSink& sink) {
  // A few chunks in flight: enough to keep every core filling while one is written.
  const size_t n_tokens = std::clamp<size_t>(2 * std::thread::hardware_concurrency(), 3, 8);
  ChunkPool pool(n_tokens);
  ChunkPlanner planner(tensors);

  // Stage 1 (serial, in order): take a free buffer and assign it the next row range.
  const auto plan = [&](tbb::flow_control& fc) -> Chunk* {
    Chunk* c = pool.take();
    if (!planner.next(*c)) {
      pool.give_back(c);
      fc.stop();
      return nullptr;
    }
    return c;
  };
  // Stage 2 (parallel): run the fill callback, then zero the tensor's trailing padding.
  const auto fill = [](Chunk* c) {
    c->ensure_capacity(c->data_bytes + c->pad_bytes);
    (*c->tensor->fill)(c->row_begin, std::span(c->buffer.get(), c->data_bytes));
    std::memset(c->buffer.get() + c->data_bytes, 0, c->pad_bytes);
    return c;
  };
  // Stage 3 (serial, in order): one large write per chunk, then recycle the buffer.
  const auto emit = [&](Chunk* c) {
    sink.write(std::span<const std::byte>(c->buffer.get(), c->data_bytes + c->pad_bytes));
    pool.give_back(c);
  };
  tbb::parallel_pipeline(
      n_tokens, tbb::make_filter<void, Chunk*>(tbb::filter_mode::serial_in_order, plan) &
                    tbb::make_filter<Chunk*, Chunk*>(tbb::filter_mode::parallel, fill) &
                    tbb::make_filter<Chunk*, void>(tbb::filter_mode::serial_in_order, emit));
}

}  // namespace etchsim::gguf
