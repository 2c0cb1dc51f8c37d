// Internal to sim/: the trace rows that follow the tokens through the pipeline, as row sources
// (trace/row_source.hpp) that the VCD writer steps through time from the chip's logs while it
// writes: a unit's state / user / pos / inside and a layer's tokens / user / pos. Each row's value
// at cycle t is the state at the end of cycle t (docs/chip.md, "Traces"); a cursor seeks to any
// cycle by binary search in the logs, so the writer may start anywhere.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "etchsim/chip/trace_log.hpp"
#include "etchsim/trace/row_source.hpp"

namespace etchsim::sim {

// A list of cycles in rising order (a unit's completes, the host's inputs).
struct Cycles {
  const uint64_t* data = nullptr;
  size_t size = 0;
  static Cycles of(std::span<const uint64_t> v) { return {v.data(), v.size()}; }
  // The cycle at index i, kNoCycle past the end.
  uint64_t at(size_t i) const { return i < size ? data[i] : trace::kNoCycle; }
  // How many are at or before `cycle`.
  size_t count_up_to(uint64_t cycle) const;
  // Asks the cache for the entry after index i, which the cursor's next step reads: the writer
  // steps a source through a piece at a time, a stream of a few dozen entries, too short for the
  // hardware prefetcher to start (prefetching 16 entries ahead instead measured the same).
  void prefetch(size_t i) const {
    if (i + 1 < size) __builtin_prefetch(data + i + 1);
  }
  // Asks the cache for entries [i, i + n).
  void prefetch_range(size_t i, size_t n) const;
};

enum UnitState : uint64_t { kIdle = 0, kBusy = 1, kStalled = 2, kWaiting = 3 };

// A unit's rows, consecutive: state, user (runs with more than one user), pos and inside (units
// that held more than one token at once in the run).
struct UnitRowIds {
  uint32_t state = 0;
  bool has_user = true;
  bool has_inside = false;
  uint32_t count() const { return 2 + (has_user ? 1 : 0) + (has_inside ? 1 : 0); }
};

// The unit whose log is `unit`, with its input register filled at the cycles `in` (the previous
// unit's completes, or the host's inputs).
std::unique_ptr<trace::RowSource> unit_row_source(const chip::UnitLog& unit, Cycles in,
                                                  UnitRowIds rows);
// A layer's summary rows (consecutive: tokens, user if `has_user`, pos) from its first unit's log,
// that unit's input register fills `in` and its last unit's completes `leave`.
std::unique_ptr<trace::RowSource> layer_row_source(const chip::UnitLog& first_unit, Cycles in,
                                                   Cycles leave, uint32_t tokens_row,
                                                   bool has_user);

}  // namespace etchsim::sim
