// Per-unit figures from an etchsim trace alone (`etchsim trace-summary`): every unit row group
// "chip.<group>.<unit>" with a `state` row (0 idle, 1 busy, 2 stalled, 3 waiting; sim's trace
// rows), its `pos` row and, in runs with more than one user, its `user` row.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "etchsim/trace/vcd_reader.hpp"

namespace etchsim::trace {

struct UnitStateSummary {
  std::string group;  // "L00", "lm_head", "host_link"
  std::string unit;   // "qkv"
  uint64_t busy = 0;  // cycles computing (state 1)
  uint64_t stalled = 0;
  uint64_t waiting = 0;
  uint64_t idle = 0;
  uint64_t longest_stall = 0;  // the longest run of stalled cycles on one token (user, pos)
};

// The cycles each unit spent in each state from the trace's first time to its end time (the
// run's last cycle), and its longest stall, read from the VCD `in` as it streams by (memory: the
// declarations', however long the trace). Times are converted to cycles with the header comment
// "etchsim time_units_per_cycle N". Throws std::runtime_error for a malformed VCD (parse_vcd), a
// VCD without that comment, a time that is no whole cycle, or a state row without its pos row or
// holding x.
std::vector<UnitStateSummary> summarize_unit_states(std::istream& in);

}  // namespace etchsim::trace
