// libFuzzer harness: the VCD reader (whole and streamed) and `etchsim trace-summary`'s summary.
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "etchsim/trace/state_summary.hpp"
#include "etchsim/trace/vcd_reader.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace etchsim;
  const std::string text(reinterpret_cast<const char*>(data), size);
  fuzz::run_guarded([&] {
    std::istringstream in(text);
    const trace::VcdFile vcd = trace::parse_vcd(in);
    // A variable's changes never go back in time and none is after the file's last time.
    for (const trace::VcdVar& v : vcd.vars) {
      uint64_t last = 0;
      for (const trace::VcdChange& c : v.changes) {
        if (c.time < last || c.time > vcd.end_time) std::abort();
        last = c.time;
      }
    }
  });
  fuzz::run_guarded([&] {
    std::istringstream in(text);
    // Every cycle from 0 to the trace's end is in exactly one state, so every unit's counts add
    // up to the same total (no partial sum can overflow: each is at most the end cycle); a stall
    // lies within the stalled cycles.
    const std::vector<trace::UnitStateSummary> units = trace::summarize_unit_states(in);
    for (const trace::UnitStateSummary& u : units) {
      const uint64_t total = u.busy + u.stalled + u.waiting + u.idle;
      const trace::UnitStateSummary& first = units.front();
      if (total != first.busy + first.stalled + first.waiting + first.idle) std::abort();
      if (u.longest_stall > u.stalled) std::abort();
    }
  });
  return 0;
}
