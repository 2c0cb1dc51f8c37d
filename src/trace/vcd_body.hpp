// Internal to trace/: a VCD's value changes after $dumpvars, from row sources, in time order and
// within a time in row order. The time is cut into pieces of similar work (from the sources'
// sample cycles); each piece is written into a buffer by one of the threads, its cursors sought
// to the piece's start (the rows' values there make the first changes of the piece the same as
// without a cut), and the pieces are handed to `put` in order. The bytes depend on neither the
// cuts nor the number of threads. Within a piece each source is stepped through the whole piece
// in turn (its cursor and log stay in the cache), its changes kept as (cycle, row, value), and
// the piece's changes are radix-sorted by cycle before they are formatted: a stable sort, so a
// cycle's changes keep the sources' row order. A piece may span at most 2^(63 - row bits) cycles
// (std::logic_error beyond: 2^52 cycles, 52 days at 1 GHz, for a flagship's ~2,000 rows).
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "etchsim/trace/row_source.hpp"

namespace etchsim::trace {

struct VcdBody {
  const std::vector<RowDecl>& rows;
  const std::vector<const RowSource*>& sources;  // each one's rows above the previous one's
  uint64_t from = 0;                             // the window: changes before `from` are
  uint64_t to = kNoCycle;                        // written at `from`, those from `to` on dropped
  uint64_t per_cycle = 1;                        // VCD time units per cycle
  unsigned threads = 1;
};

// Hands the text to `put` piece by piece (from one thread at a time, in order); returns the last
// cycle a `#time` line was written for (0 when nothing was and `from` is 0: the header's `#0`),
// kNoCycle when none. Rethrows the first exception of any thread.
uint64_t write_vcd_body(const VcdBody& body, const std::function<void(std::string_view)>& put);

}  // namespace etchsim::trace
