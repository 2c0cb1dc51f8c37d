// Internal to sim/: a run's trace files. Before the run it turns on the chip's trace log and opens
// the VCD (an io::OutputFile: a temporary beside it, an older trace of that name reused as it);
// after it, it writes the --timeline JSON (trace_timeline.hpp), derives the VCD's rows
// (trace_signals.hpp), writes the VCD and renames it into place, then the .gtkw beside it and the
// optional .fst. A failed run leaves nothing.
#pragma once

#include <atomic>
#include <filesystem>
#include <optional>
#include <thread>
#include <vector>

#include "etchsim/chip/chip.hpp"
#include "etchsim/host/host.hpp"
#include "etchsim/io/output_path.hpp"
#include "etchsim/sim/run.hpp"

namespace etchsim::sim {

class TraceOutput {
 public:
  // Checks the options (the directory exists, the layer mask fits) and enables the log, sized for
  // `expected_tokens` tokens fed to the chip (0: unknown).
  TraceOutput(const TraceOptions& options, chip::Chip& chip, uint32_t n_layer,
              uint64_t expected_tokens = 0);
  TraceOutput(const TraceOutput&) = delete;
  TraceOutput& operator=(const TraceOutput&) = delete;
  ~TraceOutput();

  // Writes the VCD, the .gtkw and the .fst (when asked).
  void finish(const std::vector<host::UserTrace>& users, uint64_t end_cycle, double clock_hz,
              bool functional, bool adapters);

 private:
  TraceOptions m_options;
  const chip::Chip& m_chip;
  const chip::ChipTraceLog& m_log;
  // Stops and joins m_prefault: once the run is over, pages it has not mapped yet are never needed
  // (on a VM where mapping fresh memory is slow it could otherwise go on into the writing).
  void stop_prefault();
  std::thread m_prefault;  // maps the log's pages while the run fills them (ChipTraceLog::prefault)
  std::atomic<bool> m_run_over{false};
  std::optional<io::OutputFile> m_vcd;  // the VCD, open from the run's start
};

}  // namespace etchsim::sim
