// Golden's interleaved copies of the weights (interleaved_weights.hpp).
#include "etchsim/golden/interleaved_weights.hpp"

#include <sys/mman.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "etchsim/numerics/dot.hpp"
#include "etchsim/numerics/repack.hpp"

namespace etchsim::golden {
namespace {

// Copies start on a cache line (the kernels' loads then split no more lines than in the file).
constexpr size_t kCopyAlignment = 64;
// Rows are copied in chunks of about this many bytes, each chunk's file pages released after it:
// the resident set then holds a chunk per thread twice (file and copy), not a whole matrix (the
// 8B shape's 295 MB LM head, whole, raised the peak by 7%).
constexpr size_t kChunkBytes = size_t{4} << 20;

// Rows [row_begin, row_end) of one matrix: whole groups of 8 rows, or the tail after the last
// group (a run of whole groups is itself a matrix in the q4_0x8 layout, at the same offsets).
struct Job {
  const model::TensorView* view;
  size_t offset;  // of the matrix in the anonymous mapping
  int64_t row_begin;
  int64_t row_end;
};

}  // namespace

InterleavedWeights::InterleavedWeights(const model::LlamaModel& model,
                                       numerics::CpuProfile profile) {
  std::vector<const model::TensorView*> views;
  for (const model::LayerWeights& l : model.layers()) {
    for (const model::TensorView* v :
         {&l.attn_q, &l.attn_k, &l.attn_v, &l.attn_output, &l.ffn_gate, &l.ffn_up, &l.ffn_down}) {
      views.push_back(v);
    }
  }
  views.push_back(&model.output());
  std::vector<Job> jobs;
  size_t size = 0;
  for (const model::TensorView* v : views) {
    const numerics::DotOrder order = numerics::default_dot_order(v->type, v->rows, profile);
    if (!numerics::has_interleaved_layout(v->type, order) || m_copies.contains(v->data.data())) {
      continue;
    }
    m_copies.emplace(v->data.data(), std::span<const std::byte>{});
    const size_t row_bytes = v->rows == 0 ? 0 : v->data.size() / static_cast<size_t>(v->rows);
    const int64_t chunk_rows =
        8 * std::max<int64_t>(
                1, static_cast<int64_t>(kChunkBytes / (8 * std::max<size_t>(row_bytes, 1))));
    const int64_t whole = v->rows / 8 * 8;
    for (int64_t r = 0; r < whole; r += chunk_rows) {
      jobs.push_back({v, size, r, std::min(whole, r + chunk_rows)});
    }
    if (whole < v->rows) jobs.push_back({v, size, whole, v->rows});
    size += (v->data.size() + kCopyAlignment - 1) / kCopyAlignment * kCopyAlignment;
  }
  if (size == 0) return;
  void* base = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) {
    throw std::runtime_error("cannot map " + std::to_string(size) +
                             " bytes for the interleaved weights: " + std::strerror(errno));
  }
  m_base = static_cast<std::byte*>(base);
  m_size = size;
  // No MADV_HUGEPAGE: with the kernel's THP defrag setting "madvise" (Debian's default) every
  // 2 MiB fault compacts memory synchronously, which took 4-8 s of system time for the 8B shape's
  // 4.2 GB where 4 KiB pages take under 2 s, and decode was no faster measurably.
  tbb::parallel_for(size_t{0}, jobs.size(), [&](size_t i) {
    const Job& job = jobs[i];
    const model::TensorView& v = *job.view;
    const size_t row_bytes = v.data.size() / static_cast<size_t>(v.rows);
    const size_t begin = static_cast<size_t>(job.row_begin) * row_bytes;
    const size_t bytes = static_cast<size_t>(job.row_end - job.row_begin) * row_bytes;
    const std::span<const std::byte> in = v.data.subspan(begin, bytes);
    numerics::interleave_rows8(v.type, in, job.row_end - job.row_begin, v.cols,
                               {m_base + job.offset + begin, bytes});
    model.file().release_pages(in);
  });
  for (const Job& job : jobs) {
    m_copies[job.view->data.data()] = {m_base + job.offset, job.view->data.size()};
  }
  ::mprotect(base, size, PROT_READ);  // nothing writes a copy after this
}

InterleavedWeights::InterleavedWeights(InterleavedWeights&& other) noexcept
    : m_base(std::exchange(other.m_base, nullptr)),
      m_size(std::exchange(other.m_size, 0)),
      m_copies(std::move(other.m_copies)) {}

InterleavedWeights& InterleavedWeights::operator=(InterleavedWeights&& other) noexcept {
  if (this != &other) {
    if (m_base != nullptr) ::munmap(m_base, m_size);
    m_base = std::exchange(other.m_base, nullptr);
    m_size = std::exchange(other.m_size, 0);
    m_copies = std::move(other.m_copies);
  }
  return *this;
}

InterleavedWeights::~InterleavedWeights() {
  if (m_base != nullptr) ::munmap(m_base, m_size);
}

std::span<const std::byte> InterleavedWeights::find(const model::TensorView& w) const {
  const auto it = m_copies.find(w.data.data());
  if (it == m_copies.end() || it->second.size() != w.data.size()) return {};
  return it->second;
}

}  // namespace etchsim::golden
