#include "etchsim/rtl/verilator_runtime_cache.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <system_error>

#include "etchsim/rtl/verilator.hpp"

namespace etchsim::rtl {
namespace {

namespace fs = std::filesystem;

// The runtime sources Verilator 5's generated makefile compiles into every obj_dir.
constexpr const char* kRuntimeFiles[] = {"verilated.o",         "verilated.d",
                                         "verilated_dpi.o",     "verilated_dpi.d",
                                         "verilated_threads.o", "verilated_threads.d"};

std::optional<fs::path> cache_root() {
  if (const char* d = std::getenv("ETCHSIM_VERILATOR_CACHE"); d && *d) return fs::path(d);
  if (const char* d = std::getenv("XDG_CACHE_HOME"); d && *d) {
    return fs::path(d) / "etchsim" / "verilator-runtime";
  }
  if (const char* d = std::getenv("HOME"); d && *d) {
    return fs::path(d) / ".cache" / "etchsim" / "verilator-runtime";
  }
  return std::nullopt;
}

// `verilator --version`, e.g. "Verilator 5.006 2023-01-22 rev (Debian 5.006-3)"; empty when it
// cannot be run.
std::string verilator_version() {
  char tmpl[] = "/tmp/etchsim-verilator-version-XXXXXX";
  const int fd = mkstemp(tmpl);
  if (fd < 0) return {};
  close(fd);
  const ToolRun run = run_tool({"verilator", "--version"}, tmpl);
  std::ifstream in(tmpl);
  std::stringstream text;
  text << in.rdbuf();
  std::error_code ec;
  fs::remove(tmpl, ec);
  return run.exit_code == 0 ? text.str() : std::string{};
}

bool has_all(const fs::path& dir) {
  std::error_code ec;
  for (const char* f : kRuntimeFiles) {
    if (!fs::is_regular_file(dir / f, ec)) return false;
  }
  return true;
}

}  // namespace

VerilatorRuntimeCache::VerilatorRuntimeCache(const std::vector<std::string>& flags) {
  const std::optional<fs::path> root = cache_root();
  const std::string version = verilator_version();
  if (!root || version.empty()) return;
  std::string key = version;
  for (const std::string& f : flags) key += '\n' + f;
  std::ostringstream name;
  name << std::hex << std::hash<std::string>{}(key);
  m_entry = (*root / name.str()).string();
}

bool VerilatorRuntimeCache::seed(const std::string& obj_dir) const {
  if (!m_entry || !has_all(*m_entry)) return false;
  std::error_code ec;
  fs::create_directories(obj_dir, ec);
  for (const char* f : kRuntimeFiles) {
    // A fresh copy (not the cached file's time stamp): newer than the runtime's sources.
    fs::copy_file(fs::path(*m_entry) / f, fs::path(obj_dir) / f,
                  fs::copy_options::overwrite_existing, ec);
    if (ec) return false;
  }
  return true;
}

void VerilatorRuntimeCache::store(const std::string& obj_dir) const {
  if (!m_entry || has_all(*m_entry) || !has_all(obj_dir)) return;
  std::error_code ec;
  const fs::path entry(*m_entry);
  fs::create_directories(entry.parent_path(), ec);
  const fs::path staging =
      entry.parent_path() / (entry.filename().string() + ".tmp" + std::to_string(getpid()));
  fs::remove_all(staging, ec);
  fs::create_directories(staging, ec);
  for (const char* f : kRuntimeFiles) {
    fs::copy_file(fs::path(obj_dir) / f, staging / f, ec);
    if (ec) break;
  }
  if (!ec) fs::rename(staging, entry, ec);  // fails harmlessly when another build stored first
  if (ec) fs::remove_all(staging, ec);
}

}  // namespace etchsim::rtl
