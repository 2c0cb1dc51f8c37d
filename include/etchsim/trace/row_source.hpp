// Rows whose values over time are computed on demand, while the VCD is written, from data fixed
// before (a pipeline unit's logged accepts and completes, say), instead of being handed to the
// writer change by change: no list of every change is ever held. A source owns consecutive rows;
// a cursor walks them through time. The writer may cut the time into pieces and write them on
// several threads, one cursor per thread, seeking each cursor to a piece's start.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <vector>

#include "etchsim/trace/row_values.hpp"

namespace etchsim::trace {

// A row's value from a cycle on.
struct CycleValue {
  uint64_t cycle;
  uint64_t value;
};

class RowCursor {
 public:
  virtual ~RowCursor() = default;
  // Goes to the end of `cycle` and sets its rows to their values then, in rising row order. A
  // row that has not changed by then may be left alone (it still holds its initial value).
  virtual void seek(uint64_t cycle, RowValues& values) = 0;
  // The first cycle after the one gone to (by seek or step) at which a row may change; kNoCycle
  // when none will.
  virtual uint64_t next_cycle() const = 0;
  // Goes to next_cycle() and sets its rows to their values at its end, in rising row order;
  // returns the new next_cycle() (one call per step instead of two: the writer steps millions).
  virtual uint64_t step(RowValues& values) = 0;
  // Steps while next_cycle() is before `to`, beginning each step's cycle in `values` first: the
  // writer's loop over one source. A final cursor class overrides it with run_steps(*this, ...),
  // whose step calls then inline (the writer steps millions).
  virtual void run_until(uint64_t to, RowValues& values);
  // Asks the cache for the data its next run_until() will read first. The writer runs the sources
  // one after the other through a piece and calls this a few sources ahead: each source reads a
  // few cache lines per piece, cold since its previous piece, too few for the hardware prefetcher.
  virtual void prefetch() const {}
};

template <typename Cursor>
void run_steps(Cursor& cursor, uint64_t to, RowValues& values) {
  for (uint64_t cycle = cursor.next_cycle(); cycle < to;) {
    values.begin_cycle(cycle);
    const uint64_t next = cursor.step(values);
    if (next <= cycle) [[unlikely]]
      throw std::logic_error("VCD: a row source did not move forward");
    cycle = next;
  }
}

inline void RowCursor::run_until(uint64_t to, RowValues& values) { run_steps(*this, to, values); }

class RowSource {
 public:
  virtual ~RowSource() = default;
  // A cursor at no cycle yet (seek() comes first). Cursors are independent: one per thread.
  virtual std::unique_ptr<RowCursor> cursor() const = 0;
  // Appends, in rising order, cycles at which its rows change: about one per `every` changes
  // (the writer cuts the time into pieces of similar work from them).
  virtual void sample_cycles(uint64_t every, std::vector<uint64_t>& out) const = 0;
};

}  // namespace etchsim::trace
