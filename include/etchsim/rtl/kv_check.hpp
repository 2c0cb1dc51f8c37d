// `etchsim rtl` and `etchsim rtl-check` for the attention unit's KV SRAM schedule: write the
// generated RTL and its testbench into a directory; build them with Verilator, run them and
// compare every token's latency and interval with arch::attention_timing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "etchsim/arch/timing.hpp"
#include "etchsim/rtl/kv_schedule_rtl.hpp"

namespace etchsim::rtl {

// Writes <dir>/<module>.v and <dir>/tb_<module>.cpp (creates dir); returns them, module first.
std::vector<std::string> write_kv_sources(const KvScheduleSpec& spec, const std::string& dir);

struct KvCheck {
  std::string name;  // the chip's unit name
  std::string module;
  uint64_t positions = 0;  // the n_pos latency / interval below are reported at
  uint64_t tokens = 0;     // tokens run: n_pos 1 .. positions + 1
  uint64_t latency = 0;    // measured at n_pos = positions
  uint64_t interval = 0;
  arch::UnitTiming formula;  // arch::attention_timing(positions)
  // Tokens whose measured latency or interval differs from the formula at their n_pos.
  uint64_t timing_mismatches = 0;
  uint64_t outputs = 0;
  uint64_t row_mismatches = 0;  // outputs whose n_pos, K rows or V rows were not n_pos
  bool hazard = false;          // a bank saw a port conflict or a read before a write is readable
  uint64_t cycles = 0;          // simulated cycles of the back-to-back phase
  double build_seconds = 0;
  double sim_seconds = 0;
  bool passed() const;
};

// Generates, builds (`jobs` compile jobs) and runs the schedule's testbench in `dir`. Throws
// std::runtime_error with the tool's log tail when verilator or the testbench fails.
KvCheck check_kv_schedule(const KvScheduleSpec& spec, std::string_view unit_name,
                          const std::string& dir, int jobs);

}  // namespace etchsim::rtl
