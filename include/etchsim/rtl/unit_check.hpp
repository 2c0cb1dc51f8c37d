// `etchsim rtl` and `etchsim rtl-check` for one matvec unit: write the generated RTL and its
// testbench into a directory; build them with Verilator, drive them with golden's stimulus and
// compare values and cycles with golden and arch/'s formula.
#pragma once

#include <cstdint>
#include <string>

#include "etchsim/rtl/layer_units.hpp"
#include "etchsim/rtl/matvec_rtl.hpp"

namespace etchsim::rtl {

// Writes <dir>/<module>.v, <dir>/etchsim_fp32.v and <dir>/tb_<module>.cpp (creates dir).
// Returns the paths written, the module first.
std::vector<std::string> write_unit_sources(const MatvecUnitSpec& spec, const std::string& dir);

struct UnitCheck {
  std::string name;  // the chip's unit name
  std::string module;
  int64_t rows = 0;
  uint64_t tokens = 0;
  uint64_t latency = 0;  // measured (the first token's; latency_consistent: all equal)
  uint64_t interval = 0;
  bool latency_consistent = true;
  arch::UnitTiming formula;
  uint64_t outputs = 0;
  uint64_t int_mismatches = 0;
  uint64_t fp32_mismatches = 0;
  uint64_t terms_checked = 0;
  uint64_t cycles = 0;       // simulated cycles of the back-to-back phase
  double build_seconds = 0;  // Verilator translate + C++ compile
  double sim_seconds = 0;    // wall time of the back-to-back phase
  bool passed() const;
};

// Generates, builds (verilator, `jobs` compile jobs) and runs the unit's testbench in `dir`.
// Throws std::runtime_error with the tool's log tail when verilator or the testbench fails.
UnitCheck check_unit(const MatvecUnitSpec& spec, std::string_view unit_name,
                     const UnitStimulus& stimulus, const std::string& dir, int jobs);

}  // namespace etchsim::rtl
