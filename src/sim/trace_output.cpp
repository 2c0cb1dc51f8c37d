#include "trace_output.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <stdexcept>
#include <system_error>

#include "etchsim/trace/fst.hpp"
#include "etchsim/trace/gtkw.hpp"

namespace etchsim::sim {
namespace {

std::filesystem::path with_suffix(const std::filesystem::path& path, const std::string& suffix) {
  std::filesystem::path p = path;
  p.replace_extension(suffix);
  return p;
}

}  // namespace

TraceOutput::TraceOutput(const TraceOptions& options, chip::Chip& chip, uint32_t n_layer)
    : m_options(options) {
  const std::filesystem::path& vcd = options.vcd;
  const std::filesystem::path dir = vcd.has_parent_path() ? vcd.parent_path() : ".";
  if (!std::filesystem::is_directory(dir)) {
    throw std::invalid_argument(
        fmt::format("--vcd {}: directory {} does not exist", vcd.string(), dir.string()));
  }
  m_temp_base = dir / fmt::format(".{}.tmp{}", vcd.filename().string(), ::getpid());
  m_file = sc_core::sc_create_vcd_trace_file(m_temp_base.c_str());
  if (m_file == nullptr) throw std::runtime_error("cannot create the VCD file " + vcd.string());
  m_file->set_time_unit(1, sc_core::SC_NS);  // one cycle (run.cpp: kCycle)
  chip::TraceSelection selection;
  selection.layers = options.layers.empty() ? std::vector<bool>(n_layer, true) : options.layers;
  if (selection.layers.size() != n_layer) {
    throw std::invalid_argument("--trace-layers: the layer mask does not match the model's layers");
  }
  selection.cycle_from = options.cycle_from;
  selection.cycle_to = options.cycle_to;
  m_groups = chip.trace(m_file, selection);
}

TraceOutput::~TraceOutput() {
  if (m_file != nullptr) {
    sc_core::sc_close_vcd_trace_file(m_file);
    std::error_code ignored;
    std::filesystem::remove(m_temp_base.string() + ".vcd", ignored);
  }
}

void TraceOutput::finish() {
  sc_core::sc_close_vcd_trace_file(m_file);
  m_file = nullptr;
  const std::filesystem::path& vcd = m_options.vcd;
  std::filesystem::rename(m_temp_base.string() + ".vcd", vcd);
  std::vector<trace::SignalGroup> groups;
  for (const auto& [name, signals] : m_groups) {
    trace::SignalGroup group{name, {}, false};
    // SystemC's VCD writer puts every signal under a top-level "SystemC" scope.
    for (const auto& s : signals)
      group.signals.push_back(trace::gtkw_signal_name("SystemC." + s.name, s.bits));
    groups.push_back(std::move(group));
  }
  trace::write_gtkw(with_suffix(vcd, ".gtkw"), vcd, groups);
  if (m_options.fst) trace::convert_to_fst(vcd, with_suffix(vcd, ".fst"));
}

}  // namespace etchsim::sim
