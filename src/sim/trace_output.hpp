// Internal to sim/: a run's VCD (sc_trace, timescale one cycle), its .gtkw beside it and the
// optional .fst. The VCD is written under a temporary name and renamed when the run finishes,
// so a failed run leaves nothing half-written.
#pragma once

#include <filesystem>
#include <systemc>

#include "etchsim/chip/chip.hpp"
#include "etchsim/sim/run.hpp"

namespace etchsim::sim {

class TraceOutput {
 public:
  TraceOutput(const TraceOptions& options, chip::Chip& chip, uint32_t n_layer);
  ~TraceOutput();
  TraceOutput(const TraceOutput&) = delete;
  TraceOutput& operator=(const TraceOutput&) = delete;

  // Closes the VCD and moves it, the .gtkw and the .fst into place.
  void finish();

 private:
  TraceOptions m_options;
  std::filesystem::path m_temp_base;  // SystemC appends ".vcd"
  sc_core::sc_trace_file* m_file = nullptr;
  std::vector<std::pair<std::string, std::vector<chip::Chip::TracedSignal>>> m_groups;
};

}  // namespace etchsim::sim
