// Internal to sim/: `--timeline FILE.json`, a run's logged changes (chip/trace_log.hpp) in the
// Chrome / Perfetto trace-event format (JSON object form): one process per layer (plus the host
// link and the LM head), one thread per unit (a unit that holds k tokens at once has k threads,
// one per pipeline slot: token i uses slot i mod k, so slices on a thread never overlap), a
// complete ("X") slice per token and unit from the cycle it was taken to the cycle it was handed
// on, named "u<user> p<pos>" with its stall in args, and counters ("C") for the KV SRAM's bytes
// and the generated tokens per second (over the last 16 tokens). Times are microseconds of chip
// time (cycles / clock). With a window (--trace-window), only the slices that overlap it (whole)
// and the counters' values from its start on.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>

#include "etchsim/io/output_path.hpp"
#include "trace_signals.hpp"

namespace etchsim::sim {

// Cycles [from, to).
struct CycleWindow {
  uint64_t from = 0;
  uint64_t to = UINT64_MAX;
};

// Called after each pipeline unit's slices with the units written so far and their number.
using TimelineProgress = std::function<void(uint64_t done, uint64_t total)>;

// Streams the timeline into `out` (not committed), made in parts of at most a few thousand
// tokens of one unit on up to `threads` threads (trace/in_order.hpp; the bytes do not depend on
// how many): memory stays a few parts' buffers, however long the run.
void write_timeline(io::OutputFile& out, const TraceSource& source, double clock_hz,
                    const CycleWindow& window, unsigned threads,
                    const TimelineProgress& progress = {});
// The same into `path`, through a temporary file beside it renamed when complete.
void write_timeline(const std::filesystem::path& path, const TraceSource& source, double clock_hz,
                    const CycleWindow& window, unsigned threads,
                    const TimelineProgress& progress = {});

}  // namespace etchsim::sim
