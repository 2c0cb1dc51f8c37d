// Internal to sim/: the rows of a run's trace, derived from what the chip logged
// (chip/trace_log.hpp) after the run. Each row's value at cycle t is the state at the end of
// cycle t, computed from the logged cycles alone (docs/chip.md, "Traces"):
//  * per unit: `state` 0 idle (nothing inside, input register empty), 1 busy (the oldest token
//    inside is computing), 2 stalled (its result is ready but the output register is still
//    full: backpressure), 3 waiting (nothing inside, a token sits in the input register: the
//    register's one-cycle hop or the unit's initiation interval); `user` (runs with more than one
//    user) and `pos` of the oldest token inside (x when none); `inside` (tokens inside) for units
//    that held more than one at once in the run;
//  * per layer: `tokens` inside the layer (registers included), `user` (runs with more than one
//    user) and `pos` of the token its first unit took last (x when the layer is empty),
//    `kv_bytes` its K/V rows;
//  * per user: `phase` 0 queued, 1 prefill, 2 decode, 3 done (x before it arrives), `tokens`
//    generated so far;
//  * the host link's two units, `tokens_out` (generated tokens sent to the host), `last_token`
//    (functional runs), the LoRA SRAM's bytes (runs with adapters); the KV SRAM's bytes and
//    capacity.
#pragma once

#include <memory_resource>
#include <string>
#include <vector>

#include "etchsim/chip/chip.hpp"
#include "etchsim/host/host.hpp"
#include "etchsim/trace/gtkw.hpp"
#include "etchsim/trace/vcd_writer.hpp"

namespace etchsim::sim {

struct TraceSource {
  const chip::Chip& chip;
  const chip::ChipTraceLog& log;
  const std::vector<host::UserTrace>& users;
  std::vector<bool> layers;  // traced layers; the host link, LM head, users and KV always
  bool functional = false;
  bool adapters = false;
  // Where the K/V replay sorts the writes (kv_replay.hpp), or null for memory of its own.
  std::pmr::memory_resource* memory = nullptr;
};

// Declares every row in `vcd` (scope "chip") and gives it its changes; returns the rows grouped
// for the .gtkw, each with its alias ("L00 qkv state").
std::vector<trace::SignalGroup> trace_signals(const TraceSource& source, trace::VcdWriter& vcd);

}  // namespace etchsim::sim
