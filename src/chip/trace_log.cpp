#include "etchsim/chip/trace_log.hpp"

#include <cstdint>

namespace etchsim::chip {
namespace {

// At most this much is populated ahead of the run: the room is sized for every token the run
// may feed, and refused users never fill theirs.
constexpr uint64_t kPrefaultBytes = uint64_t{1} << 30;

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
  constexpr uint64_t kAlign = 64;
  const auto mul = [](uint64_t a, uint64_t b) {
    uint64_t r = 0;
    return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
  };
  const auto add = [](uint64_t a, uint64_t b) {
    uint64_t r = 0;
    return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
  };
  const uint64_t per_unit =
      add(mul(tokens, sizeof(UnitLog::Accept) + sizeof(uint64_t)), 2 * kAlign);
  const uint64_t rest = add(mul(tokens, sizeof(uint64_t) + sizeof(SinkTake)),
                            add(mul(mul(tokens, n_layer), sizeof(KvWrite)), 3 * kAlign));
  return add(mul(n_units, per_unit), rest);
}

ChipTraceLog::ChipTraceLog(size_t n_units, size_t tokens, size_t n_layer)
    : m_arena(bytes_for(n_units, tokens, n_layer)),
      inputs(m_arena.resource()),
      sink(m_arena.resource()),
      kv_writes(m_arena.resource()) {
  units.reserve(n_units);
  for (size_t i = 0; i < n_units; ++i) {
    UnitLog& u = units.emplace_back(m_arena.resource());
    u.accepts.reserve(tokens);
    u.completes.reserve(tokens);
  }
  inputs.reserve(tokens);
  sink.reserve(tokens);
  kv_writes.reserve(tokens * n_layer);
}

void ChipTraceLog::prefault(const std::atomic<bool>* stop) const {
  m_arena.populate(kPrefaultBytes, stop);
}

}  // namespace etchsim::chip
