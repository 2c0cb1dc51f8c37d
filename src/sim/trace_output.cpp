#include "trace_output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <new>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "available_memory.hpp"
#include "etchsim/io/output_path.hpp"
#include "etchsim/trace/fst.hpp"
#include "etchsim/trace/gtkw.hpp"
#include "etchsim/trace/huge_page_arena.hpp"
#include "etchsim/trace/vcd_writer.hpp"
#include "trace_signals.hpp"
#include "trace_timeline.hpp"

namespace etchsim::sim {
namespace {

// The VCD and the timeline are made on up to this many threads.
constexpr unsigned kWriterThreads = 4;
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
constexpr uint64_t kCheckedLogBytes = uint64_t{128} << 20;

std::filesystem::path with_suffix(const std::filesystem::path& path, const std::string& suffix) {
  std::filesystem::path p = path;
  p.replace_extension(suffix);
  return p;
}

void check_directory(const char* option, const std::filesystem::path& file) {
  if (file.empty()) return;
  const std::filesystem::path dir = file.has_parent_path() ? file.parent_path() : ".";
  if (!std::filesystem::is_directory(dir)) {
    throw std::invalid_argument(
        fmt::format("{} {}: directory {} does not exist", option, file.string(), dir.string()));
  }
  if (std::filesystem::is_directory(file)) {
    throw std::invalid_argument(fmt::format("{} {}: is a directory", option, file.string()));
  }
}

const chip::ChipTraceLog& checked_log(const TraceOptions& options, chip::Chip& chip,
                                      uint32_t n_layer, uint64_t expected_tokens) {
  check_directory("--vcd", options.vcd);
  check_directory("--timeline", options.timeline);
  if (options.fst && io::is_special_output(options.vcd)) {
    throw std::invalid_argument(fmt::format(
        "--fst: --vcd {} is a device or pipe, not a file vcd2fst can read", options.vcd.string()));
  }
  if (!options.layers.empty() && options.layers.size() != n_layer) {
    throw std::invalid_argument("--trace-layers: the layer mask does not match the model's layers");
  }
  // The logs hold every token through every unit, whichever layers or window the files show.
  const char* option = options.vcd.empty() ? "--timeline" : "--vcd";
  const uint64_t need = chip.trace_log_bytes(expected_tokens);
  const auto what = [&] {
    return fmt::format(
        "{}: a traced run logs every token through every unit: {:.2f} GiB for {} tokens", option,
        static_cast<double>(need) / kGiB, expected_tokens);
  };
  // Reading the kernel's figures takes ~0.3 ms: not for logs any machine has room for.
  const std::optional<uint64_t> available =
      need >= kCheckedLogBytes ? available_memory_bytes() : std::nullopt;
  if (available && need > *available) {
    throw std::invalid_argument(fmt::format(
        "{}, more than the {:.2f} GiB of memory available; trace a shorter run (fewer users or "
        "tokens)",
        what(), static_cast<double>(*available) / kGiB));
  }
  try {
    return chip.enable_trace_log(expected_tokens);
  } catch (const std::bad_alloc&) {
    throw std::runtime_error(fmt::format(
        "{}, and that memory could not be had; trace a shorter run (fewer users or tokens)",
        what()));
  }
}

// The first cycle a generated token's input enters the chip: where the view opens, one decode
// step (that token's trip to the host) wide; inside --trace-window.
trace::GtkwView first_decode_view(const std::vector<host::UserTrace>& users,
                                  const chip::ChipTraceLog& log, uint64_t per_cycle,
                                  uint64_t window_from, uint64_t window_to) {
  trace::GtkwView view;
  view.start = window_from * per_cycle;  // without a decoded token: the window's start
  for (const host::UserTrace& u : users) {
    if (u.token_cycles.size() < 2) continue;
    // The first fed-back token enters after the first token reached the host, and its own
    // result is the second token.
    uint64_t enter = u.token_cycles[0];
    for (uint64_t c : log.inputs) {
      if (c >= u.token_cycles[0]) {
        enter = c;
        break;
      }
    }
    const uint64_t span = u.token_cycles[1] > enter ? u.token_cycles[1] - enter : 1;
    // A --trace-window that excludes the step: open at the window's start instead.
    if (enter < window_from || enter >= window_to) break;
    view.start = enter * per_cycle;
    // The step fills about 90% of a 1600-pixel-wide waveform pane (~1300 px).
    view.units_per_pixel = static_cast<double>(span * per_cycle) / (0.9 * 1300.0);
    break;
  }
  return view;
}

// Removes an earlier file at `file` if it is a regular file or a link (no device, pipe or
// directory). Failing to remove leaves the rename to replace it.
void remove_previous(const std::filesystem::path& file) {
  std::error_code error;
  const std::filesystem::file_type type = std::filesystem::symlink_status(file, error).type();
  if (type == std::filesystem::file_type::regular || type == std::filesystem::file_type::symlink) {
    std::filesystem::remove(file, error);
  }
}

unsigned writer_threads(unsigned asked) {
  if (asked > 0) return asked;
  return std::clamp(std::thread::hardware_concurrency(), 1u, kWriterThreads);
}

// What the files are derived in after a run that filled the log's room: the K/V writes sorted by
// cycle (two lists of them) and, for a VCD, the KV rows' change lists (at most one change a write
// in the layer's row and in the total's) and the writer's buffers.
size_t after_run_bytes(const chip::ChipTraceLog& log, bool vcd, unsigned threads) {
  const size_t kv_writes = log.kv_writes.capacity();
  size_t bytes = 2 * kv_writes * sizeof(chip::ChipTraceLog::KvWrite);
  if (vcd) {
    bytes += 2 * kv_writes * sizeof(trace::CycleValue) + (size_t{1} << 20) +
             trace::VcdWriter::write_memory_bytes(threads);
  }
  return bytes;
}

std::filesystem::path gtkw_of(const std::filesystem::path& vcd) {
  return with_suffix(vcd, ".gtkw");
}

}  // namespace

TraceOutput::TraceOutput(const TraceOptions& options, chip::Chip& chip, uint32_t n_layer,
                         uint64_t expected_tokens)
    : m_options(options),
      m_chip(chip),
      m_log(checked_log(options, chip, n_layer, expected_tokens)) {
  if (m_options.layers.empty()) m_options.layers.assign(n_layer, true);
  const std::filesystem::path& vcd = m_options.vcd;
  if (!vcd.empty()) {
    // Under a temporary name beside it, renamed when complete. An older trace of that name is
    // that temporary from now on, written over in place (io::OlderFile::kReuse: a flagship's is
    // ~60 MB of page cache, which would cost ~6 ms to free and as much again to map anew), and
    // its .gtkw goes too, so a failed run leaves neither.
    m_vcd.emplace(vcd, io::OlderFile::kReuse);
    if (!io::is_special_output(vcd)) remove_previous(gtkw_of(vcd));
  }
  // On another core: the simulation's thread then writes into pages already mapped.
  if (expected_tokens > 0 && std::thread::hardware_concurrency() > 1) {
    try {
      m_prefault = std::thread([this] { m_log.prefault(&m_run_over); });
    } catch (const std::system_error&) {
      // No thread to be had: the pages fault as the run writes them.
    }
  }
}

void TraceOutput::stop_prefault() {
  m_run_over.store(true, std::memory_order_relaxed);
  if (m_prefault.joinable()) m_prefault.join();
}

TraceOutput::~TraceOutput() { stop_prefault(); }

void TraceOutput::finish(const std::vector<host::UserTrace>& users, uint64_t end_cycle,
                         double clock_hz, bool functional, bool adapters) {
  stop_prefault();
  // Every list and buffer the files are derived in, packed into as few fresh pages as they fill
  // (mapping them while the run went, on the prefault thread, slowed the simulation by more than
  // it saved).
  trace::HugePageArena memory(
      after_run_bytes(m_log, !m_options.vcd.empty(), writer_threads(m_options.threads)));
  const TraceSource source{m_chip,           m_log, users, m_options.layers, functional, adapters,
                           memory.resource()};
  // A progress callback for `file` when the run is long enough to be worth one.
  uint64_t logged = 0;
  for (const chip::UnitLog& u : m_log.units) logged += u.accepts.size();
  const auto progress_of = [&](const std::filesystem::path& file) {
    std::function<void(uint64_t, uint64_t)> progress;
    if (m_options.on_write && logged >= m_options.progress_tokens) {
      progress = [this, file](uint64_t done, uint64_t total) {
        m_options.on_write(file, done, total);
      };
    }
    return progress;
  };
  if (!m_options.timeline.empty()) {
    write_timeline(m_options.timeline, source, clock_hz,
                   CycleWindow{m_options.cycle_from, m_options.cycle_to},
                   writer_threads(m_options.threads), progress_of(m_options.timeline));
  }
  if (m_options.vcd.empty()) return;
  const std::filesystem::path& vcd = m_options.vcd;
  trace::VcdWriter writer(memory.resource());
  writer.set_window(m_options.cycle_from, m_options.cycle_to);
  // The text is written by up to kWriterThreads threads; the bytes do not depend on how many.
  writer.set_threads(writer_threads(m_options.threads));
  writer.set_progress(progress_of(vcd));
  const std::vector<trace::SignalGroup> groups = trace_signals(source, writer);
  const trace::VcdTimescale timescale =
      m_options.cycle_time ? trace::cycle_timescale() : trace::clock_timescale(clock_hz);

  writer.write(*m_vcd, timescale, end_cycle);
  m_vcd->commit();
  // /dev/null or a pipe was written in place (io/output_path.hpp) and gets no .gtkw beside it.
  if (io::is_special_output(vcd)) return;
  // The .gtkw sits beside the VCD and names it relative to itself.
  trace::write_gtkw(gtkw_of(vcd), vcd.filename(), groups,
                    first_decode_view(users, m_log, timescale.per_cycle, m_options.cycle_from,
                                      m_options.cycle_to));
  if (m_options.fst) trace::convert_to_fst(vcd, with_suffix(vcd, ".fst"));
}

}  // namespace etchsim::sim
