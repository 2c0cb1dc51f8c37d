// Internal to trace/: a VCD's value changes after $dumpvars, from row sources, in time order and
// within a time in row order. The time is cut into pieces of similar work (from the sources'
// sample cycles); a thread takes a run of consecutive pieces and writes them into one buffer, its
// cursors sought to the run's start (the rows' values there make the first changes of the run the
// same as without a cut) and going on from piece to piece, and the runs are handed to `put` in
// order. All buffers come from one huge-page arena. The bytes depend on neither the
// cuts nor the number of threads. Within a piece each source is stepped through the whole piece
// in turn (its cursor and log stay in the cache; the next sources' logs are prefetched), each
// step's changes formatted as they are set (RowValues::set_record), and the piece's steps are
// radix-sorted by cycle and copied out behind their `#time` lines: a stable sort, so a cycle's
// steps keep the sources' row order.
#pragma once

#include <cstdint>
#include <functional>
#include <memory_resource>
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
  // The buffers' memory, shared by the threads (so thread-safe; vcd_body_memory_bytes() of it for a
  // flagship's pieces), or null for an arena of the body's own.
  std::pmr::memory_resource* memory = nullptr;
  // Called after each run is handed to `put` with the runs handed so far and their number (runs
  // hold about as many changes each); none when null.
  const std::function<void(uint64_t done, uint64_t total)>* progress = nullptr;
};

// The memory the body takes from VcdBody::memory with `threads` threads when its pieces are no
// larger than a flagship's (larger ones take more).
size_t vcd_body_memory_bytes(unsigned threads);

// Hands the text to `put` piece by piece (from one thread at a time, in order); returns the last
// cycle a `#time` line was written for (0 when nothing was and `from` is 0: the header's `#0`),
// kNoCycle when none. Rethrows the first exception of any thread.
uint64_t write_vcd_body(const VcdBody& body, const std::function<void(std::string_view)>& put);

}  // namespace etchsim::trace
