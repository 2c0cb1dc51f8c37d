// Internal to sim/: `--timeline FILE.json`, a run's logged changes (chip/trace_log.hpp) in the
// Chrome / Perfetto trace-event format (JSON object form): one process per layer (plus the host
// link and the LM head), one thread per unit (a unit that holds k tokens at once has k threads,
// one per pipeline slot: token i uses slot i mod k, so slices on a thread never overlap), a
// complete ("X") slice per token and unit from the cycle it was taken to the cycle it was handed
// on, named "u<user> p<pos>" with its stall in args, and counters ("C") for the KV SRAM's bytes
// and the generated tokens per second (over the last 16 tokens). Times are microseconds of chip
// time (cycles / clock).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "trace_signals.hpp"

namespace etchsim::sim {

// The timeline's JSON text.
std::string timeline_json(const TraceSource& source, double clock_hz);
// Writes timeline_json() to `path` through a temporary file beside it.
void write_timeline(const std::filesystem::path& path, const TraceSource& source, double clock_hz);

}  // namespace etchsim::sim
