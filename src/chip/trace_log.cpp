#include "etchsim/chip/trace_log.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>

namespace etchsim::chip {
namespace {

// At most this much is populated ahead of the run: the room is sized for every token the run
// may feed, and refused users never fill theirs.
constexpr uint64_t kPrefaultBytes = uint64_t{1} << 30;

// The whole pages inside the first `max_bytes` of a vector's reserved room, populated as if
// written.
template <typename T>
void populate(const std::vector<T>& v, uint64_t max_bytes) {
#ifdef MADV_POPULATE_WRITE
  static const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<uintptr_t>(v.data());
  const uintptr_t first = (begin + page - 1) & ~(page - 1);
  const uintptr_t last =
      (begin + std::min<uint64_t>(v.capacity() * sizeof(T), max_bytes)) & ~(page - 1);
  // Only advice: an error (an older kernel) leaves the pages to fault when written.
  if (last > first)
    (void)::madvise(reinterpret_cast<void*>(first), last - first, MADV_POPULATE_WRITE);
#else
  (void)v;
  (void)max_bytes;
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
  // The budget shared evenly by the lists' reserved bytes.
  uint64_t reserved = inputs.capacity() * sizeof(uint64_t) + sink.capacity() * sizeof(SinkTake) +
                      kv_writes.capacity() * sizeof(KvWrite);
  for (const UnitLog& u : units) {
    reserved +=
        u.accepts.capacity() * sizeof(UnitLog::Accept) + u.completes.capacity() * sizeof(uint64_t);
  }
  const double share = reserved <= kPrefaultBytes
                           ? 1.0
                           : static_cast<double>(kPrefaultBytes) / static_cast<double>(reserved);
  const auto part = [share](uint64_t bytes) {
    return static_cast<uint64_t>(share * static_cast<double>(bytes));
  };
  for (const UnitLog& u : units) {
    populate(u.accepts, part(u.accepts.capacity() * sizeof(UnitLog::Accept)));
    populate(u.completes, part(u.completes.capacity() * sizeof(uint64_t)));
  }
  populate(inputs, part(inputs.capacity() * sizeof(uint64_t)));
  populate(sink, part(sink.capacity() * sizeof(SinkTake)));
  populate(kv_writes, part(kv_writes.capacity() * sizeof(KvWrite)));
}

}  // namespace etchsim::chip
