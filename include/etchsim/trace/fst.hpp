// Converting VCD to GTKWave's FST format with gtkwave's vcd2fst tool.
#pragma once

#include <filesystem>
#include <optional>

namespace etchsim::trace {

// The first executable named vcd2fst in the directories of $PATH, or nullopt.
std::optional<std::filesystem::path> find_vcd2fst();

// Runs `vcd2fst -v <vcd> -f <fst>` (posix_spawnp, no shell; its stdout discarded, stderr
// inherited). Throws std::runtime_error when vcd2fst is not on PATH, cannot be started, exits
// with a non-zero status or a signal, or leaves no `fst` file.
void convert_to_fst(const std::filesystem::path& vcd, const std::filesystem::path& fst);

}  // namespace etchsim::trace
