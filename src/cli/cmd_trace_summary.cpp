// `etchsim trace-summary TRACE.vcd`: per layer and unit, the cycles busy, stalled (a ready
// result waiting for the next unit), waiting (a token in the input register) and idle, and the
// longest stall, from a trace `etchsim run --vcd` wrote, without the run or its report.
#include <fmt/format.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "etchsim/cli/commands.hpp"
#include "etchsim/trace/state_summary.hpp"

namespace etchsim::cli {

CommandRunner register_trace_summary(CLI::App& app) {
  struct Args {
    std::string trace;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  app.add_option("TRACE", args->trace, "A VCD written by etchsim run --vcd")->required();
  app.add_flag("--json", args->json, "Print JSON instead of a table");
  return [args]() {
    std::ifstream in(args->trace, std::ios::binary);
    if (!in) throw std::invalid_argument("cannot open the trace " + args->trace);
    std::vector<trace::UnitStateSummary> units;
    try {
      units = trace::summarize_unit_states(in);
    } catch (const std::exception& e) {
      throw std::invalid_argument(fmt::format("{}: {}", args->trace, e.what()));
    }
    if (args->json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& u : units) {
        out.push_back({{"group", u.group},
                       {"unit", u.unit},
                       {"busy_cycles", u.busy},
                       {"stalled_cycles", u.stalled},
                       {"waiting_cycles", u.waiting},
                       {"idle_cycles", u.idle},
                       {"longest_stall_cycles", u.longest_stall}});
      }
      fmt::print("{}\n", out.dump(2));
      return 0;
    }
    fmt::print("{:<10} {:<18} {:>12} {:>12} {:>12} {:>12} {:>14}\n", "group", "unit", "busy",
               "stalled", "waiting", "idle", "longest stall");
    for (const auto& u : units) {
      fmt::print("{:<10} {:<18} {:>12} {:>12} {:>12} {:>12} {:>14}\n", u.group, u.unit, u.busy,
                 u.stalled, u.waiting, u.idle, u.longest_stall);
    }
    return 0;
  };
}

}  // namespace etchsim::cli
