#include "etchsim/chip/trace_log.hpp"

#include <cstdint>

namespace etchsim::chip {
namespace {

// At most this much is populated ahead of the run: the room is sized for every token the run
// may feed, and refused users never fill theirs.
constexpr uint64_t kPrefaultBytes = uint64_t{1} << 30;

constexpr uintptr_t kLine = 64;
constexpr uintptr_t kLinesPerPage = 4096 / kLine;
// The arena's room in front of a list for stagger(): at most a 4 KiB page.
constexpr uint64_t kStaggerRoom = kLine * kLinesPerPage;

// Moves `memory`'s next allocation to cache line `list` mod 64 of a 4 KiB page (it uses up to
// kStaggerRoom bytes). The units write their lists in turn, each at about the same index, and a
// flagship's lists are 48 KiB and 16 KiB: handed out back to back they would all start at the
// same offset in a page, so that every list's line in use would sit in the same few sets of the
// caches (set = address bits 6 and up, modulo the sets) and the lines would evict one another
// before they were full. Staggered, the lines in use spread over 64 sets. A write benchmark of 962
// streams of 24-byte records took 19 ns a record unstaggered, 6.6 staggered; the traced flagship's
// sc_start 46 -> 35 ms (medians of 15, a 2-core Xeon VM, 2026-12-06).
void stagger(std::pmr::memory_resource* memory, size_t list) {
  // A monotonic resource hands out its room in order: a line taken now says where it stands.
  const auto at = reinterpret_cast<uintptr_t>(memory->allocate(kLine, kLine)) + kLine;
  const uintptr_t gap = (list + kLinesPerPage - at / kLine % kLinesPerPage) % kLinesPerPage;
  if (gap > 0) (void)memory->allocate(gap * kLine, kLine);
}

}  // namespace

bool UnitLog::held_several() const {
  const size_t n = accepts.size();
  if (n < 2) return false;
  if (completes.size() + 1 < n) return true;  // k - 1 never handed on
  for (size_t k = 1; k < n; ++k) {
    if (completes[k - 1] > accepts[k].cycle) return true;
  }
  return false;
}

uint64_t ChipTraceLog::bytes_for(uint64_t n_units, uint64_t tokens, uint64_t n_layer) {
  const auto mul = [](uint64_t a, uint64_t b) {
    uint64_t r = 0;
    return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
  };
  const auto add = [](uint64_t a, uint64_t b) {
    uint64_t r = 0;
    return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
  };
  const uint64_t per_unit =
      add(mul(tokens, sizeof(UnitLog::Accept) + sizeof(uint64_t)), 2 * kStaggerRoom);
  const uint64_t rest = add(mul(tokens, sizeof(uint64_t) + sizeof(SinkTake)),
                            add(mul(mul(tokens, n_layer), sizeof(KvWrite)), 3 * kStaggerRoom));
  return add(mul(n_units, per_unit), rest);
}

ChipTraceLog::ChipTraceLog(size_t n_units, size_t tokens, size_t n_layer)
    : m_arena(bytes_for(n_units, tokens, n_layer)),
      inputs(m_arena.resource()),
      sink(m_arena.resource()),
      kv_writes(m_arena.resource()) {
  std::pmr::memory_resource* memory = m_arena.resource();
  size_t list = 0;
  const auto reserve = [memory, &list](auto& v, size_t n) {
    stagger(memory, list++);
    v.reserve(n);
  };
  units.reserve(n_units);
  for (size_t i = 0; i < n_units; ++i) {
    UnitLog& u = units.emplace_back(memory);
    reserve(u.accepts, tokens);
    reserve(u.completes, tokens);
  }
  reserve(inputs, tokens);
  reserve(sink, tokens);
  reserve(kv_writes, tokens * n_layer);
}

void ChipTraceLog::prefault(const std::atomic<bool>* stop) const {
  m_arena.populate(kPrefaultBytes, stop);
}

}  // namespace etchsim::chip
