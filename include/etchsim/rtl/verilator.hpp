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

// Builds a generated unit with Verilator into `obj_dir` (C++ at -O0, `jobs` compile jobs), its
// own C++ `sources` linked into `output` (`extra` adds arguments, e.g. -LDFLAGS -shared). The log
// goes to `log_path`. Throws std::runtime_error naming the log (with its tail) on failure, or
// saying how to install verilator. Returns the run (its wall time).
ToolRun verilate(const std::string& module, const std::vector<std::string>& sources,
                 const std::string& obj_dir, const std::string& output,
                 const std::vector<std::string>& extra, const std::string& log_path, int jobs);

// Writes a generated source (Verilog, testbench C++) for the tools; throws std::runtime_error
// naming the path when it cannot be written.
void write_text_file(const std::string& path, const std::string& text);

// True when `name` is an executable on PATH.
bool tool_on_path(const std::string& name);

// The last `lines` lines of a log, for error messages.
std::string log_tail(const std::string& log_path, int lines = 15);

}  // namespace etchsim::rtl
