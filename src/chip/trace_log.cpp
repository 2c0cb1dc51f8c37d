#include "etchsim/chip/trace_log.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

namespace etchsim::chip {
namespace {

// The whole pages inside a vector's reserved room, populated as if written.
template <typename T>
void populate(const std::vector<T>& v) {
#ifdef MADV_POPULATE_WRITE
  static const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<uintptr_t>(v.data());
  const uintptr_t first = (begin + page - 1) & ~(page - 1);
  const uintptr_t last = (begin + v.capacity() * sizeof(T)) & ~(page - 1);
  // Only advice: an error (an older kernel) leaves the pages to fault when written.
  if (last > first)
    (void)::madvise(reinterpret_cast<void*>(first), last - first, MADV_POPULATE_WRITE);
#else
  (void)v;
#endif
}

}  // namespace

void ChipTraceLog::reserve(size_t tokens, size_t n_layer) {
  for (UnitLog& u : units) {
    u.accepts.reserve(tokens);
    u.completes.reserve(tokens);
  }
  inputs.reserve(tokens);
  sink.reserve(tokens);
  kv_writes.reserve(tokens * n_layer);
}

void ChipTraceLog::prefault() const {
  for (const UnitLog& u : units) {
    populate(u.accepts);
    populate(u.completes);
  }
  populate(inputs);
  populate(sink);
  populate(kv_writes);
}

}  // namespace etchsim::chip
