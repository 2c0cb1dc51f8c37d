// Internal to sim/: how much memory a run can still take, as the kernel reports it, to refuse a
// traced run whose logs would not fit before it starts (instead of the kernel killing it half way).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

namespace etchsim::sim {

// The smaller of /proc/meminfo's MemAvailable and the room left under the cgroup's memory.max
// (cgroup v2, when limited); nullopt when neither can be read.
std::optional<uint64_t> available_memory_bytes();

// The same from the given files (tests): `meminfo` in /proc/meminfo's format, `cgroup` a cgroup v2
// directory (its memory.max and memory.current; missing or "max": no limit).
std::optional<uint64_t> available_memory_bytes(const std::filesystem::path& meminfo,
                                               const std::filesystem::path& cgroup);

}  // namespace etchsim::sim
