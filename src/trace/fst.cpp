// VCD to FST through vcd2fst (fst.hpp).
#include "etchsim/trace/fst.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

extern char** environ;

namespace etchsim::trace {

std::optional<std::filesystem::path> find_vcd2fst() {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return std::nullopt;
  std::string_view rest(path);
  while (true) {
    const size_t colon = rest.find(':');
    const std::string_view dir = rest.substr(0, colon);
    // An empty PATH entry means the current directory.
    const std::filesystem::path candidate =
        std::filesystem::path(dir.empty() ? "." : std::string(dir)) / "vcd2fst";
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    if (colon == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(colon + 1);
  }
}

void convert_to_fst(const std::filesystem::path& vcd, const std::filesystem::path& fst) {
  const std::optional<std::filesystem::path> tool = find_vcd2fst();
  if (!tool) throw std::runtime_error("vcd2fst not found on PATH (it comes with gtkwave)");

  std::string tool_s = tool->string(), v_opt = "-v", vcd_s = vcd.string(), f_opt = "-f",
              fst_s = fst.string();
  std::vector<char*> argv{tool_s.data(), v_opt.data(), vcd_s.data(),
                          f_opt.data(),  fst_s.data(), nullptr};

  posix_spawn_file_actions_t actions;
  if (posix_spawn_file_actions_init(&actions) != 0) {
    throw std::runtime_error("vcd2fst: posix_spawn_file_actions_init failed");
  }
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, tool_s.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    throw std::runtime_error(fmt::format("cannot start {}: {}", tool_s, std::strerror(rc)));
  }

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      throw std::runtime_error(fmt::format("waiting for vcd2fst: {}", std::strerror(errno)));
    }
  }
  if (WIFSIGNALED(status)) {
    throw std::runtime_error(
        fmt::format("vcd2fst {} -> {} killed by signal {}", vcd_s, fst_s, WTERMSIG(status)));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error(fmt::format("vcd2fst {} -> {} failed with exit status {}", vcd_s,
                                         fst_s, WIFEXITED(status) ? WEXITSTATUS(status) : -1));
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(fst, ec)) {
    throw std::runtime_error(fmt::format("vcd2fst {} exited 0 but wrote no {}", vcd_s, fst_s));
  }
}

}  // namespace etchsim::trace
