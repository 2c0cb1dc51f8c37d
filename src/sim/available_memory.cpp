#include "available_memory.hpp"

#include <algorithm>
#include <fstream>
#include <string>

namespace etchsim::sim {
namespace {

// The first number in `path`, nullopt if it holds none (or cannot be read).
std::optional<uint64_t> number_in(const std::filesystem::path& path) {
  std::ifstream in(path);
  uint64_t value = 0;
  if (in >> value) return value;
  return std::nullopt;
}

}  // namespace

std::optional<uint64_t> available_memory_bytes(const std::filesystem::path& meminfo,
                                               const std::filesystem::path& cgroup) {
  std::optional<uint64_t> available;
  std::ifstream in(meminfo);
  std::string key;
  uint64_t kib = 0;
  std::string unit;
  while (in >> key >> kib) {
    std::getline(in, unit);
    if (key == "MemAvailable:") {
      available = kib * 1024;
      break;
    }
  }
  // "max" reads as no number: no limit.
  const std::optional<uint64_t> limit = number_in(cgroup / "memory.max");
  const std::optional<uint64_t> used = number_in(cgroup / "memory.current");
  if (limit && used) {
    const uint64_t room = *limit > *used ? *limit - *used : 0;
    available = available ? std::min(*available, room) : room;
  }
  return available;
}

std::optional<uint64_t> available_memory_bytes() {
  return available_memory_bytes("/proc/meminfo", "/sys/fs/cgroup");
}

}  // namespace etchsim::sim
