// Running the RTL tools (Verilator, Yosys) as child processes: argv, not a shell; output to a
// log file; wall time measured.
#pragma once

#include <string>
#include <vector>

namespace etchsim::rtl {

struct ToolRun {
  int exit_code = -1;  // the tool's exit status; 127 when it could not be started
  double seconds = 0;
  std::string log_path;
};

// Runs argv[0] (looked up on PATH) with the arguments, stdout and stderr appended to log_path.
ToolRun run_tool(const std::vector<std::string>& argv, const std::string& log_path);

// True when `name` is an executable on PATH.
bool tool_on_path(const std::string& name);

// The last `lines` lines of a log, for error messages.
std::string log_tail(const std::string& log_path, int lines = 15);

}  // namespace etchsim::rtl
