#include "etchsim/rtl/verilator.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "etchsim/rtl/verilator_runtime_cache.hpp"

extern char** environ;

namespace etchsim::rtl {
namespace {
// -O0: a unit's model is large, straight-line C++ that a check runs for a few hundred cycles;
// optimising costs more than it saves.
constexpr const char* kOptFlags[] = {"OPT_FAST=-O0", "OPT_SLOW=-O0", "OPT_GLOBAL=-O0"};
}  // namespace

ToolRun run_tool(const std::vector<std::string>& argv, const std::string& log_path) {
  ToolRun run;
  run.log_path = log_path;
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  const auto t0 = std::chrono::steady_clock::now();
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    run.exit_code = 127;
    return run;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
  }
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return run;
}

ToolRun verilate(const std::string& module, const std::vector<std::string>& sources,
                 const std::string& obj_dir, const std::string& output,
                 const std::vector<std::string>& extra, const std::string& log_path, int jobs) {
  std::error_code ec;
  std::filesystem::remove(log_path, ec);
  // Verilator's make runs inside obj_dir: a relative source or obj_dir (`-o rtl`) would not be
  // found there.
  const auto absolute = [](const std::string& p) { return std::filesystem::absolute(p).string(); };
  const std::string obj = absolute(obj_dir);
  // Two steps, as `verilator --build` does them: Verilator writes the C++ and its makefile, then
  // make compiles. Between them the cached runtime objects are copied in: the makefile makes them
  // depend on itself, so they must be newer than it.
  std::vector<std::string> argv{"verilator", "--cc",       "--exe",        "-Wno-fatal",
                                "-Wno-lint", "-Wno-style", "--top-module", module,
                                "-Mdir",     obj,          "-o",           output};
  argv.insert(argv.end(), extra.begin(), extra.end());
  for (const std::string& s : sources) argv.push_back(absolute(s));
  ToolRun run = run_tool(argv, log_path);
  if (run.exit_code == 127) {
    throw std::runtime_error(
        "verilator is not installed (Debian: apt-get install verilator; scripts/setup-deps.sh)");
  }
  if (run.exit_code == 0) {
    // Everything but the module, its sources and its paths reaches the runtime's compile.
    std::vector<std::string> flags(std::begin(kOptFlags), std::end(kOptFlags));
    flags.insert(flags.end(), extra.begin(), extra.end());
    const VerilatorRuntimeCache runtime(flags);
    runtime.seed(obj);
    std::vector<std::string> make{
        "make", "-C", obj, "-f", "V" + module + ".mk", "-j", std::to_string(std::max(1, jobs))};
    make.insert(make.end(), std::begin(kOptFlags), std::end(kOptFlags));
    const ToolRun compile = run_tool(make, log_path);
    run.exit_code = compile.exit_code == 127 ? 126 : compile.exit_code;
    run.seconds += compile.seconds;
    if (run.exit_code == 0) runtime.store(obj);
  }
  if (run.exit_code != 0) {
    throw std::runtime_error("verilator failed on " + module + " (" + log_path + "):\n" +
                             log_tail(log_path));
  }
  return run;
}

bool tool_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::filesystem::path p = std::filesystem::path(dir.empty() ? "." : dir) / name;
    if (access(p.c_str(), X_OK) == 0) return true;
  }
  return false;
}

std::string log_tail(const std::string& log_path, int lines) {
  std::ifstream in(log_path);
  std::deque<std::string> tail;
  std::string line;
  while (std::getline(in, line)) {
    tail.push_back(line);
    if (static_cast<int>(tail.size()) > lines) tail.pop_front();
  }
  std::string out;
  for (const std::string& l : tail) out += "  " + l + "\n";
  return out;
}

void write_text_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace etchsim::rtl
