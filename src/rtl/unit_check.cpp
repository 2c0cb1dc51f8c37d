#include "etchsim/rtl/unit_check.hpp"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "etchsim/rtl/testbench.hpp"
#include "etchsim/rtl/verilator.hpp"

namespace etchsim::rtl {
bool UnitCheck::passed() const {
  return int_mismatches == 0 && fp32_mismatches == 0 && outputs == 2 * tokens &&
         latency_consistent && latency == formula.latency &&
         (tokens < 2 || interval == formula.interval);
}

std::vector<std::string> write_unit_sources(const MatvecUnitSpec& spec, const std::string& dir) {
  const std::filesystem::path d(dir);
  std::filesystem::create_directories(d);
  const MatvecGeometry g = matvec_geometry(spec);
  const auto unit = d / (spec.module + ".v");
  const auto fp32 = d / "etchsim_fp32.v";
  const auto tb = d / ("tb_" + spec.module + ".cpp");
  write_text_file(unit.string(), generate_matvec_verilog(spec));
  write_text_file(fp32.string(), fp32_library_text());
  write_text_file(tb.string(), matvec_testbench_cpp(spec.module, g));
  return {unit.string(), fp32.string(), tb.string()};
}

UnitCheck check_unit(const MatvecUnitSpec& spec, std::string_view unit_name,
                     const UnitStimulus& stimulus, const std::string& dir, int jobs) {
  const std::filesystem::path d(dir);
  const MatvecGeometry g = matvec_geometry(spec);
  const std::vector<std::string> sources = write_unit_sources(spec, dir);
  const std::string stimulus_path = (d / (spec.module + ".stimulus")).string();
  write_stimulus(stimulus_path, spec, g, stimulus);

  const std::string obj = (d / ("obj_" + spec.module)).string();
  const std::string log = (d / (spec.module + ".verilator.log")).string();
  // The fp32 library, the unit, its testbench.
  const ToolRun build = verilate(spec.module, {sources[1], sources[0], sources[2]}, obj,
                                 "tb_" + spec.module, {}, log, jobs);
  const std::string result_path = (d / (spec.module + ".result.json")).string();
  const std::string run_log = (d / (spec.module + ".run.log")).string();
  std::filesystem::remove(run_log);
  const ToolRun sim = run_tool({obj + "/tb_" + spec.module, stimulus_path, result_path}, run_log);
  if (sim.exit_code != 0) {
    throw std::runtime_error("testbench of " + spec.module + " failed (" + run_log + "):\n" +
                             log_tail(run_log));
  }
  std::ifstream in(result_path);
  const nlohmann::json j = nlohmann::json::parse(in);
  UnitCheck c;
  c.name = std::string(unit_name);
  c.module = spec.module;
  c.rows = g.rows;
  c.tokens = j.at("tokens").get<uint64_t>();
  c.formula = g.formula;
  const auto latencies = j.at("latency").get<std::vector<uint64_t>>();
  const auto intervals = j.at("interval").get<std::vector<uint64_t>>();
  if (!latencies.empty()) c.latency = latencies.front();
  for (uint64_t l : latencies) c.latency_consistent = c.latency_consistent && l == c.latency;
  if (!intervals.empty()) c.interval = intervals.front();
  for (uint64_t i : intervals) c.latency_consistent = c.latency_consistent && i == c.interval;
  c.outputs = j.at("outputs").get<uint64_t>();
  c.int_mismatches = j.at("int_mismatches").get<uint64_t>();
  c.fp32_mismatches = j.at("fp32_mismatches").get<uint64_t>();
  c.terms_checked = j.at("terms_checked").get<uint64_t>();
  c.cycles = j.at("cycles").get<uint64_t>();
  c.sim_seconds = j.at("seconds").get<double>();
  c.build_seconds = build.seconds;
  return c;
}

}  // namespace etchsim::rtl
