#include "etchsim/rtl/kv_check.hpp"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "etchsim/rtl/verilator.hpp"

namespace etchsim::rtl {
bool KvCheck::passed() const {
  return timing_mismatches == 0 && row_mismatches == 0 && !hazard && outputs == 2 * tokens &&
         latency == formula.latency && interval == formula.interval;
}

std::vector<std::string> write_kv_sources(const KvScheduleSpec& spec, const std::string& dir) {
  const KvScheduleGeometry g = kv_schedule_geometry(spec);
  const std::filesystem::path d(dir);
  std::filesystem::create_directories(d);
  const auto unit = d / (spec.module + ".v");
  const auto tb = d / ("tb_" + spec.module + ".cpp");
  write_text_file(unit.string(), generate_kv_schedule_verilog(spec));
  write_text_file(tb.string(), kv_schedule_testbench_cpp(spec.module, g));
  return {unit.string(), tb.string()};
}

KvCheck check_kv_schedule(const KvScheduleSpec& spec, std::string_view unit_name,
                          const std::string& dir, int jobs) {
  const std::filesystem::path d(dir);
  const KvScheduleGeometry g = kv_schedule_geometry(spec);
  const std::vector<std::string> sources = write_kv_sources(spec, dir);
  const std::string obj = (d / ("obj_" + spec.module)).string();
  const std::string log = (d / (spec.module + ".verilator.log")).string();
  const ToolRun build = verilate(spec.module, sources, obj, "tb_" + spec.module, {}, log, jobs);
  const std::string result_path = (d / (spec.module + ".result.json")).string();
  const std::string run_log = (d / (spec.module + ".run.log")).string();
  std::filesystem::remove(run_log);
  const ToolRun sim = run_tool({obj + "/tb_" + spec.module, result_path}, run_log);
  if (sim.exit_code != 0) {
    throw std::runtime_error("testbench of " + spec.module + " failed (" + run_log + "):\n" +
                             log_tail(run_log));
  }
  std::ifstream in(result_path);
  const nlohmann::json j = nlohmann::json::parse(in);
  arch::ChipConfig config;
  config.kv_sram = spec.kv;
  config.datapath = spec.datapath;
  KvCheck c;
  c.name = std::string(unit_name);
  c.module = spec.module;
  c.positions = g.positions;
  c.tokens = j.at("tokens").get<uint64_t>();
  c.formula = arch::attention_timing(g.positions, spec.shape, config);
  const auto latencies = j.at("latency").get<std::vector<uint64_t>>();
  const auto intervals = j.at("interval").get<std::vector<uint64_t>>();
  // Token i (0-based) attends over n_pos = i + 1; interval i is from token i to token i + 1.
  for (size_t i = 0; i < latencies.size(); ++i) {
    const arch::UnitTiming f = arch::attention_timing(i + 1, spec.shape, config);
    const bool interval_ok = i >= intervals.size() || intervals[i] == f.interval;
    if (latencies[i] != f.latency || !interval_ok) ++c.timing_mismatches;
  }
  if (latencies.size() != c.tokens || intervals.size() + 1 != c.tokens) ++c.timing_mismatches;
  if (g.positions <= latencies.size()) c.latency = latencies[g.positions - 1];
  if (g.positions <= intervals.size()) c.interval = intervals[g.positions - 1];
  c.outputs = j.at("outputs").get<uint64_t>();
  c.row_mismatches = j.at("row_mismatches").get<uint64_t>();
  c.hazard = j.at("hazard").get<bool>();
  c.cycles = j.at("cycles").get<uint64_t>();
  c.sim_seconds = j.at("seconds").get<double>();
  c.build_seconds = build.seconds;
  return c;
}

}  // namespace etchsim::rtl
