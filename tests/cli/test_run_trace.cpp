// `etchsim run` across runs (each run is its own process): functional and timing modes give the
// same cycles; lockstep and skip clocking give the same cycles and the same trace bytes; the VCD
// is valid and its rows agree with the report; trace-summary equals the report; .gtkw and .fst
// beside it.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <future>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "../support/write_lease.hpp"
#include "etchsim/trace/fst.hpp"
#include "etchsim/trace/vcd_reader.hpp"
#include "run_command.hpp"

namespace etchsim::cli::testing {
namespace {

const std::string kTinyConfig =
    std::string(" --config ") + ETCHSIM_SOURCE_DIR + "/configs/tiny.toml";

nlohmann::json report_of(const std::string& args, const ScratchDir& dir, const std::string& name) {
  const auto report = dir.path() / (name + ".json");
  const auto r = run_etchsim(args + " --report " + report.string(), dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(read_all(report));
}

trace::VcdFile vcd_of(const std::filesystem::path& path) {
  std::ifstream in(path);
  return trace::parse_vcd(in);
}

// Every signal's value changes, keyed by name; vectors compared as numbers.
std::map<std::string, std::vector<std::pair<uint64_t, uint64_t>>> changes_by_name(
    const trace::VcdFile& vcd) {
  std::map<std::string, std::vector<std::pair<uint64_t, uint64_t>>> all;
  for (const trace::VcdVar& var : vcd.vars) {
    auto& list = all[var.full_name];
    for (const trace::VcdChange& c : var.changes) {
      list.emplace_back(c.time, trace::vcd_value_to_uint(c.value).value_or(UINT64_MAX));
    }
  }
  return all;
}

TEST(CliRunModes, FunctionalAndTimingRunsTakeTheSameCycles) {
  ScratchDir dir("run-modes");
  const auto model = dir.path() / "tiny.gguf";
  ASSERT_EQ(
      run_etchsim("synth --shape tiny --quant q4_0 -o " + model.string(), dir.path()).exit_code, 0);
  const std::string workload = kTinyConfig + " --tokens 5,6,7,8,9 -n 6 --users 3";
  const auto functional = report_of("run " + model.string() + workload, dir, "functional");
  const auto timing =
      report_of("run " + model.string() + " --mode timing" + workload, dir, "timing");
  EXPECT_EQ(functional["mode"], "functional");
  EXPECT_EQ(timing["mode"], "timing");
  EXPECT_EQ(functional["cycles_total"], timing["cycles_total"]);
  ASSERT_EQ(functional["users"].size(), 3u);
  for (size_t u = 0; u < 3; ++u) {
    for (const char* field : {"ttft_cycles", "first_token_cycle", "last_token_cycle"}) {
      EXPECT_EQ(functional["users"][u][field], timing["users"][u][field]) << field;
    }
    EXPECT_EQ(functional["users"][u]["token_ids"].size(), 6u);
  }
  EXPECT_EQ(functional["layers"], timing["layers"]);
  EXPECT_EQ(functional["kv_sram"], timing["kv_sram"]);
}

TEST(CliRunModes, LockstepAndSkipGiveTheSameCyclesAndTraceBytes) {
  // The trace is derived from the changes the model logs, each with its cycle: skip (which runs
  // ahead of SystemC time, traced or not) and lockstep (every cycle) write the same bytes.
  ScratchDir dir("run-clocking");
  const std::vector<std::string> workloads = {
      "run --shape tiny" + kTinyConfig + " --prompt-len 6 -n 5 --users 2",
      "run --shape small" + kTinyConfig +
          " --prompt-len 9 -n 7 --users 3 --set host.latency_cycles=3",
      "run --shape tiny" + kTinyConfig +
          " --prompt-len 20 -n 30 --users 6 --arrival-rate 200000 --set kv_sram.capacity_mib=0.05",
  };
  for (const std::string& workload : workloads) {
    const auto skip_vcd = dir.path() / "skip.vcd";
    const auto lock_vcd = dir.path() / "lockstep.vcd";
    const auto untraced = report_of(workload, dir, "untraced");
    const auto skip = report_of(workload + " --vcd " + skip_vcd.string(), dir, "skip");
    const auto lock =
        report_of(workload + " --clocking lockstep --vcd " + lock_vcd.string(), dir, "lockstep");
    EXPECT_EQ(skip["cycles_total"], lock["cycles_total"]) << workload;
    EXPECT_EQ(skip["users"], lock["users"]) << workload;
    EXPECT_EQ(skip["layers"], lock["layers"]) << workload;
    // Tracing changes nothing in the run, and a traced skip run still runs ahead.
    EXPECT_EQ(skip["layers"], untraced["layers"]) << workload;
    EXPECT_EQ(skip["simulation"]["wakes"], untraced["simulation"]["wakes"]) << workload;
    EXPECT_GT(lock["simulation"]["wakes"].get<uint64_t>(),
              4 * skip["simulation"]["wakes"].get<uint64_t>())
        << workload;
    const std::string a = read_all(skip_vcd);
    EXPECT_GT(a.size(), 1000u);
    EXPECT_TRUE(a == read_all(lock_vcd)) << workload;
    EXPECT_TRUE(read_all(dir.path() / "skip.gtkw").size() > 100);
    EXPECT_GT(changes_by_name(vcd_of(skip_vcd)).size(), 100u);
  }
}

TEST(CliRunModes, LockstepAndSkipAgreeWhenSkipRunsAhead) {
  // Untraced skip runs compute the units' changes ahead of SystemC time (Pipeline's flow mode);
  // lockstep never does. Several users with prompts streaming make the host act while tokens
  // are in flight; a small KV SRAM with arrivals queues users, so sequences close and open while
  // others' rows are being written (KV occupancy samples and peak), and one run refuses users.
  ScratchDir dir("run-ahead");
  const std::vector<std::pair<std::string, std::string>> workloads = {
      {"tiny", " --prompt-len 9 -n 7 --users 3 --set host.latency_cycles=3"},
      {"small", " --prompt-len 9 -n 7 --users 3 --set host.latency_cycles=3"},
      {"tiny",
       " --prompt-len 20 -n 30 --users 6 --arrival-rate 200000 --set kv_sram.capacity_mib=0.05"},
      {"tiny",
       " --prompt-len 20 -n 30 --users 6 --set kv_sram.capacity_mib=0.05"
       " --set serving.admission=refuse"},
  };
  for (const auto& [shape, options] : workloads) {
    const std::string workload = "run --shape " + shape + kTinyConfig + options;
    auto skip = report_of(workload, dir, "skip");
    auto lock = report_of(workload + " --clocking lockstep", dir, "lockstep");
    EXPECT_LT(skip["simulation"]["wakes"].get<uint64_t>(),
              lock["simulation"]["wakes"].get<uint64_t>() / 4)
        << workload;
    if (options.find("refuse") != std::string::npos) {
      EXPECT_GT(lock["serving"]["requests_refused"].get<uint64_t>(), 0u);
    }
    skip.erase("simulation");
    lock.erase("simulation");
    skip.erase("clocking");
    lock.erase("clocking");
    EXPECT_EQ(skip, lock) << workload;
  }
}

// The report's figures of one unit ("layer01", "attention").
nlohmann::json unit_report(const nlohmann::json& report, const std::string& layer,
                           const std::string& unit) {
  for (const auto& l : report["layers"]) {
    if (l["name"] != layer) continue;
    for (const auto& u : l["units"]) {
      if (u["name"] == unit) return u;
    }
  }
  ADD_FAILURE() << layer << "." << unit << " is not in the report";
  return {};
}

// Cycles a row spends at each value up to `end` (x counted under UINT64_MAX).
std::map<uint64_t, uint64_t> time_at_values(const trace::VcdFile& vcd, const std::string& row,
                                            uint64_t end) {
  std::map<uint64_t, uint64_t> at;
  uint64_t since = 0, value = UINT64_MAX;
  for (const auto& [time, v] : trace::changes(vcd, row)) {
    if (time > since) at[value] += time - since;
    since = time;
    value = trace::vcd_value_to_uint(v).value_or(UINT64_MAX);
  }
  if (end > since) at[value] += end - since;
  return at;
}

TEST(CliRunModes, VcdIsValidAndHoldsTheExpectedTransitions) {
  ScratchDir dir("run-vcd");
  const auto vcd_path = dir.path() / "run.vcd";
  const uint64_t prompt = 4, generated = 3;
  const auto report =
      report_of("run --shape tiny" + kTinyConfig +
                    " --prompt-len 4 -n 3 --trace-time cycles --vcd " + vcd_path.string(),
                dir, "report");
  const trace::VcdFile vcd = vcd_of(vcd_path);
  EXPECT_EQ(vcd.timescale, "1 ns");  // --trace-time cycles: one unit per cycle
  const uint64_t cycles = report["cycles_total"].get<uint64_t>();
  EXPECT_EQ(vcd.end_time, cycles);
  const uint64_t tokens = prompt + generated - 1;
  // Each unit's cycles with a token inside (busy or stalled) are the report's busy cycles.
  for (const auto& [layer, unit] : std::vector<std::pair<std::string, std::string>>{
           {"L00", "attn_norm"}, {"L01", "attention"}, {"L01", "down"}, {"lm_head", "argmax"}}) {
    const std::string report_layer = layer == "lm_head" ? layer : "layer" + layer.substr(1);
    const auto at = time_at_values(vcd, "chip." + layer + "." + unit + ".state", cycles);
    const auto u = unit_report(report, report_layer, unit);
    EXPECT_EQ(at.count(UINT64_MAX), 0u);
    EXPECT_EQ((at.count(1) ? at.at(1) : 0) + (at.count(2) ? at.at(2) : 0),
              u["busy_cycles"].get<uint64_t>())
        << layer << "." << unit;
    EXPECT_EQ(at.count(2) ? at.at(2) : 0, u["stalled_cycles"].get<uint64_t>());
    // The position row reads x exactly while the unit holds no token.
    const auto pos_x = time_at_values(vcd, "chip." + layer + "." + unit + ".pos", cycles);
    EXPECT_EQ(pos_x.at(UINT64_MAX), (at.count(0) ? at.at(0) : 0) + (at.count(3) ? at.at(3) : 0));
  }
  // Positions travel with the tokens: the last one the unit worked on is the last position,
  // and the row is x again once it is done.
  const auto pos = trace::changes(vcd, "chip.L01.ffn_residual.pos");
  ASSERT_GE(pos.size(), 2u);
  EXPECT_EQ(pos.back().second, "x");
  EXPECT_EQ(trace::vcd_value_to_uint(pos[pos.size() - 2].second), tokens - 1);
  // Generated tokens only (not prompt positions) reach tokens_out.
  const auto out = trace::changes(vcd, "chip.host_link.tokens_out");
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(trace::vcd_value_to_uint(out.back().second), generated);
  // Rows without meaning in a one-user timing run without adapters are absent: user rows (the
  // state implies user 0), and inside rows of units that never held two tokens at once.
  size_t inside_rows = 0;
  for (const auto& var : vcd.vars) {
    EXPECT_EQ(var.full_name.find("last_token"), std::string::npos);
    EXPECT_EQ(var.full_name.find("lora"), std::string::npos);
    EXPECT_FALSE(var.full_name.ends_with(".user")) << var.full_name;
    if (!var.full_name.ends_with(".inside")) continue;
    ++inside_rows;
    uint64_t most = 0;
    for (const auto& c : var.changes)
      most = std::max(most, trace::vcd_value_to_uint(c.value).value_or(0));
    EXPECT_GE(most, 2u) << var.full_name;
  }
  EXPECT_GT(inside_rows, 0u);  // the prompt streams: some units hold several tokens
  // The user's phases in order, and its tokens.
  const auto phase = trace::changes(vcd, "chip.users.u00.phase");
  std::vector<std::string> phases;
  for (const auto& [time, value] : phase) phases.push_back(value);
  // x before the user arrives (queued, 0, may share the arrival's cycle with prefill).
  ASSERT_GE(phases.size(), 4u);
  EXPECT_EQ(phases.front(), "x");
  EXPECT_EQ(std::vector<std::string>(phases.end() - 3, phases.end()),
            (std::vector<std::string>{"1", "10", "11"}));
  const auto user_tokens = trace::changes(vcd, "chip.users.u00.tokens");
  EXPECT_EQ(trace::vcd_value_to_uint(user_tokens.back().second), generated);
  // KV occupancy: the peak the report saw, back to 0 when the host closes the sequence; the
  // capacity row is constant.
  const auto kv = trace::changes(vcd, "chip.kv_sram.bytes");
  ASSERT_FALSE(kv.empty());
  uint64_t kv_peak = 0;
  for (const auto& [time, value] : kv)
    kv_peak = std::max(kv_peak, *trace::vcd_value_to_uint(value));
  EXPECT_EQ(kv_peak, report["kv_sram"]["peak_bytes"].get<uint64_t>());
  EXPECT_EQ(trace::vcd_value_to_uint(kv.back().second), 0u);
  const auto cap = trace::changes(vcd, "chip.kv_sram.capacity");
  ASSERT_EQ(cap.size(), 1u);
  EXPECT_EQ(trace::vcd_value_to_uint(cap[0].second),
            report["kv_sram"]["capacity_bytes"].get<uint64_t>());
  // The .gtkw beside it: the VCD by a relative path, a named alias on every row, one open layer.
  const std::string gtkw = read_all(dir.path() / "run.gtkw");
  EXPECT_NE(gtkw.find("[dumpfile] \"run.vcd\""), std::string::npos);
  EXPECT_NE(gtkw.find("+{L00 attn_norm state} chip.L00.attn_norm.state[1:0]"), std::string::npos);
  EXPECT_NE(gtkw.find("-L01"), std::string::npos);
}

TEST(CliRunModes, TraceTimeIsTheClockPeriod) {
  ScratchDir dir("run-vcd-clock");
  const auto vcd_path = dir.path() / "t.vcd";
  const auto report =
      report_of("run --shape tiny" + kTinyConfig +
                    " --prompt-len 2 -n 2 --set clock.clock_mhz=500 --vcd " + vcd_path.string(),
                dir, "report");
  const trace::VcdFile vcd = vcd_of(vcd_path);
  EXPECT_EQ(vcd.timescale, "1 ns");
  EXPECT_EQ(vcd.end_time, 2 * report["cycles_total"].get<uint64_t>());  // 2 ns per cycle
  for (const auto& var : vcd.vars) {
    for (const auto& c : var.changes) EXPECT_EQ(c.time % 2, 0u) << var.full_name;
  }
}

TEST(CliRunModes, TraceLayersAndWindowBoundTheVcd) {
  ScratchDir dir("run-vcd-bounds");
  const auto full = dir.path() / "full.vcd";
  const auto part = dir.path() / "part.vcd";
  const std::string workload =
      "run --shape tiny" + kTinyConfig + " --prompt-len 4 -n 3 --trace-time cycles";
  ASSERT_EQ(run_etchsim(workload + " --vcd " + full.string(), dir.path()).exit_code, 0);
  const auto r =
      run_etchsim(workload + " --vcd " + part.string() + " --trace-layers 1 --trace-window 200:600",
                  dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const trace::VcdFile a = vcd_of(full);
  const trace::VcdFile b = vcd_of(part);
  bool has_layer0 = false;
  for (const auto& var : b.vars) has_layer0 |= var.full_name.find(".L00.") != std::string::npos;
  EXPECT_FALSE(has_layer0);
  // Inside the window the values equal the full trace's; outside nothing changes after time 0.
  const std::string signal = "chip.L01.attention.state";
  std::vector<std::pair<uint64_t, std::string>> inside;
  for (const auto& c : trace::changes(a, signal)) {
    if (c.first > 200 && c.first < 600) inside.push_back(c);
  }
  std::vector<std::pair<uint64_t, std::string>> part_changes;
  for (const auto& c : trace::changes(b, signal)) {
    EXPECT_TRUE(c.first == 0 || (c.first >= 200 && c.first < 600)) << c.first;
    if (c.first > 200 && c.first < 600) part_changes.push_back(c);
  }
  EXPECT_FALSE(inside.empty());
  EXPECT_EQ(part_changes, inside);
  EXPECT_LT(std::filesystem::file_size(part), std::filesystem::file_size(full));
  // The .gtkw of the windowed trace opens inside the window.
  const std::string gtkw = read_all(dir.path() / "part.gtkw");
  const size_t at = gtkw.find("[timestart] ");
  ASSERT_NE(at, std::string::npos);
  const uint64_t start = std::stoull(gtkw.substr(at + 12));
  EXPECT_GE(start, 200u);
  EXPECT_LT(start, 600u);
}

// trace-summary of a run's VCD against the run's report: every unit's busy, stalled and longest
// stall cycles; returns the stalled cycles of all units.
uint64_t expect_trace_summary_equals_report(const std::string& workload, const ScratchDir& dir) {
  const auto vcd = dir.path() / "t.vcd";
  const auto report = report_of(workload + " --vcd " + vcd.string(), dir, "report");
  const auto r = run_etchsim("trace-summary --json " + vcd.string(), dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (r.exit_code != 0) return 0;
  const auto summary = nlohmann::json::parse(r.out);
  const uint64_t cycles = report["cycles_total"].get<uint64_t>();
  size_t compared = 0;
  uint64_t stalled = 0;
  for (const auto& u : summary) {
    const std::string group = u["group"];
    if (group == "host_link") continue;  // the link units are not a report layer
    const std::string layer = group == "lm_head" ? group : "layer" + group.substr(1);
    const auto expected = unit_report(report, layer, u["unit"]);
    EXPECT_EQ(u["busy_cycles"].get<uint64_t>() + u["stalled_cycles"].get<uint64_t>(),
              expected["busy_cycles"].get<uint64_t>())
        << group << "." << u["unit"];
    EXPECT_EQ(u["stalled_cycles"], expected["stalled_cycles"]) << group << "." << u["unit"];
    EXPECT_EQ(u["longest_stall_cycles"], expected["longest_stall_cycles"])
        << group << "." << u["unit"];
    EXPECT_EQ(u["busy_cycles"].get<uint64_t>() + u["stalled_cycles"].get<uint64_t>() +
                  u["waiting_cycles"].get<uint64_t>() + u["idle_cycles"].get<uint64_t>(),
              cycles);
    stalled += u["stalled_cycles"].get<uint64_t>();
    ++compared;
  }
  EXPECT_GT(compared, 20u);
  return stalled;
}

TEST(CliRunModes, TraceSummaryEqualsTheReport) {
  // Prompts streaming from three users queue behind the slowest units, so units stall.
  ScratchDir dir("run-trace-summary");
  EXPECT_GT(expect_trace_summary_equals_report(
                "run --shape small" + kTinyConfig +
                    " --prompt-len 12 -n 4 --users 3 --set clock.clock_mhz=800",
                dir),
            0u);  // the workload exercises backpressure
  // One user: its trace has no user rows, the positions alone tell a stall's tokens apart.
  EXPECT_GT(expect_trace_summary_equals_report(
                "run --shape small" + kTinyConfig + " --prompt-len 40 -n 4", dir),
            0u);
  // A file that is not an etchsim trace is refused with its name.
  std::ofstream(dir.path() / "bad.vcd") << "$timescale 1 ns $end\n$enddefinitions $end\n";
  const auto bad = run_etchsim("trace-summary " + (dir.path() / "bad.vcd").string(), dir.path());
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("time_units_per_cycle"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("bad.vcd"), std::string::npos) << bad.err;
  const auto missing =
      run_etchsim("trace-summary " + (dir.path() / "none.vcd").string(), dir.path());
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("none.vcd"), std::string::npos) << missing.err;
}

TEST(CliRunModes, TimelineIsValidTraceEventJson) {
  // Chrome/Perfetto trace-event format (JSON object form): "traceEvents", each event with "ph",
  // "name", "pid", "tid"; "ts" (and "dur" for complete events) in microseconds; counters with
  // numeric args; metadata naming processes and threads.
  ScratchDir dir("run-timeline");
  const auto path = dir.path() / "t.json";
  const auto report = report_of("run --shape small" + kTinyConfig +
                                    " --prompt-len 12 -n 4 --users 3 --trace-layers 0-1"
                                    " --set clock.clock_mhz=500 --timeline " +
                                    path.string(),
                                dir, "report");
  const auto j = nlohmann::json::parse(read_all(path));
  ASSERT_TRUE(j.contains("traceEvents"));
  ASSERT_TRUE(j["traceEvents"].is_array());
  std::map<std::pair<int, int>, std::string> thread_names;
  std::map<int, std::string> process_names;
  std::map<std::pair<int, int>, std::vector<std::pair<double, double>>> slices;
  std::map<std::pair<int, int>, std::pair<uint64_t, uint64_t>> cycles;  // busy, stalled
  double kv_peak = 0;
  size_t counters = 0;
  for (const auto& e : j["traceEvents"]) {
    ASSERT_TRUE(e.contains("ph") && e["ph"].is_string()) << e;
    ASSERT_TRUE(e.contains("name") && e["name"].is_string()) << e;
    ASSERT_TRUE(e.contains("pid") && e["pid"].is_number_integer()) << e;
    ASSERT_TRUE(e.contains("tid") && e["tid"].is_number_integer()) << e;
    const std::string ph = e["ph"];
    const std::pair<int, int> thread{e["pid"].get<int>(), e["tid"].get<int>()};
    if (ph == "M") {
      ASSERT_TRUE(e.contains("args") && e["args"].is_object()) << e;
      if (e["name"] == "thread_name") thread_names[thread] = e["args"]["name"];
      if (e["name"] == "process_name") process_names[thread.first] = e["args"]["name"];
      continue;
    }
    ASSERT_TRUE(e.contains("ts") && e["ts"].is_number() && e["ts"].get<double>() >= 0) << e;
    if (ph == "X") {
      ASSERT_TRUE(e.contains("dur") && e["dur"].is_number() && e["dur"].get<double>() > 0) << e;
      slices[thread].emplace_back(e["ts"].get<double>(), e["dur"].get<double>());
      cycles[thread].first += e["args"]["cycles"].get<uint64_t>();
      cycles[thread].second += e["args"]["stalled_cycles"].get<uint64_t>();
      EXPECT_EQ(e["name"], fmt::format("u{} p{}", e["args"]["user"].get<uint32_t>(),
                                       e["args"]["pos"].get<uint32_t>()));
    } else if (ph == "C") {
      ASSERT_TRUE(e.contains("args") && e["args"].is_object() && !e["args"].empty()) << e;
      for (const auto& [key, value] : e["args"].items()) ASSERT_TRUE(value.is_number()) << e;
      if (e["name"] == "KV SRAM") kv_peak = std::max(kv_peak, e["args"]["bytes"].get<double>());
      ++counters;
    } else {
      ADD_FAILURE() << "unexpected phase " << ph;
    }
  }
  // Slices on one thread never overlap (a unit holding k tokens has k threads).
  for (auto& [thread, list] : slices) {
    ASSERT_TRUE(thread_names.count(thread)) << thread.first << "/" << thread.second;
    std::sort(list.begin(), list.end());
    for (size_t i = 1; i < list.size(); ++i)
      EXPECT_LE(list[i - 1].first + list[i - 1].second, list[i].first + 1e-9);
  }
  // Only the traced layers, the host link and the LM head have processes.
  std::set<std::string> processes;
  for (const auto& [pid, name] : process_names) processes.insert(name);
  EXPECT_EQ(processes, (std::set<std::string>{"host link", "L00", "L01", "lm_head"}));
  // A one-token unit's slices add up to the report's busy and stalled cycles; 2 ns a cycle.
  for (const auto& [thread, name] : thread_names) {
    if (process_names[thread.first] != "L01" || name != "attn_norm") continue;
    const auto u = unit_report(report, "layer01", "attn_norm");
    EXPECT_EQ(slices[thread].size(), u["tokens"].get<size_t>());
    EXPECT_EQ(cycles[thread].first, u["busy_cycles"].get<uint64_t>());
    EXPECT_EQ(cycles[thread].second, u["stalled_cycles"].get<uint64_t>());
    double dur = 0;
    for (const auto& [ts, d] : slices[thread]) dur += d;
    EXPECT_NEAR(dur, 0.002 * static_cast<double>(u["busy_cycles"].get<uint64_t>()), 1e-6);
  }
  EXPECT_EQ(kv_peak, report["kv_sram"]["peak_bytes"].get<double>());
  EXPECT_GT(counters, 10u);
}

// --trace-window with --timeline: the slices that overlap the window, whole and as the full
// timeline has them; the KV SRAM counter from the window's start (its value then at FROM).
TEST(CliRunModes, TimelineWindowKeepsTheSlicesThatOverlapIt) {
  ScratchDir dir("run-timeline-window");
  const std::string workload = "run --shape small" + kTinyConfig +
                               " --prompt-len 12 -n 6 --users 3 --trace-layers 0-1 --timeline ";
  const auto full_path = dir.path() / "full.json";
  const auto part_path = dir.path() / "part.json";
  const auto full_run = run_etchsim(workload + full_path.string(), dir.path());
  ASSERT_EQ(full_run.exit_code, 0) << full_run.err;
  const auto full = nlohmann::json::parse(read_all(full_path));
  uint64_t end = 0;
  for (const auto& e : full["traceEvents"]) {
    if (e["ph"] == "X") end = std::max(end, e["args"]["cycle"].get<uint64_t>());
  }
  ASSERT_GT(end, 300u);
  // The window's sides on a slice's end and another's start: those two must be left out.
  uint64_t from = 0, to = UINT64_MAX;
  for (const auto& e : full["traceEvents"]) {
    if (e["ph"] != "X") continue;
    const auto c = e["args"]["cycle"].get<uint64_t>();
    const auto left = c + e["args"]["cycles"].get<uint64_t>();
    if (left >= end / 3 && (from == 0 || left < from)) from = left;
    if (c >= 2 * end / 3 && c < to) to = c;
  }
  ASSERT_LT(from, to);
  const auto part_run = run_etchsim(
      workload + part_path.string() + fmt::format(" --trace-window {}:{}", from, to), dir.path());
  ASSERT_EQ(part_run.exit_code, 0) << part_run.err;
  const auto part = nlohmann::json::parse(read_all(part_path));
  // What the window should keep of the full timeline: metadata, overlapping slices, counters in
  // the window, and the KV SRAM's value at `from`.
  std::vector<std::string> expected;
  double kv_at_from = -1;
  bool kv_at_from_given = false;
  const double us_per_cycle = 1e6 / full["otherData"]["clock_hz"].get<double>();
  for (const auto& e : full["traceEvents"]) {
    if (e["ph"] == "X") {
      const auto c = e["args"]["cycle"].get<uint64_t>();
      if (c < to && c + e["args"]["cycles"].get<uint64_t>() > from) expected.push_back(e.dump());
    } else if (e["ph"] == "C") {
      const double ts = e["ts"].get<double>() / us_per_cycle;
      if (ts < static_cast<double>(from) - 0.5) {
        if (e["name"] == "KV SRAM") kv_at_from = e["args"]["bytes"].get<double>();
      } else if (ts < static_cast<double>(to) - 0.5) {
        if (e["name"] == "KV SRAM" && std::abs(ts - static_cast<double>(from)) < 0.5) {
          kv_at_from_given = true;
        }
        expected.push_back(e.dump());
      }
    } else {
      expected.push_back(e.dump());
    }
  }
  ASSERT_GE(kv_at_from, 0) << "the full run writes KV rows before the window";
  std::vector<std::string> kept;
  bool first_kv = true;
  size_t slices = 0;
  for (const auto& e : part["traceEvents"]) {
    if (e["ph"] == "C" && e["name"] == "KV SRAM" && first_kv) {
      first_kv = false;
      EXPECT_NEAR(e["ts"].get<double>(), static_cast<double>(from) * us_per_cycle, 1e-9) << e;
      if (!kv_at_from_given) {
        EXPECT_EQ(e["args"]["bytes"].get<double>(), kv_at_from) << e;
        continue;  // not in the full timeline: nothing changed at `from`
      }
    }
    slices += e["ph"] == "X";
    kept.push_back(e.dump());
  }
  EXPECT_GT(slices, 10u);
  std::sort(expected.begin(), expected.end());
  std::sort(kept.begin(), kept.end());
  EXPECT_EQ(kept, expected);
}

// A traced run logs every token through every unit; one whose logs cannot fit in memory is
// refused before it runs (not killed by the kernel half way), naming the need, leaving nothing.
TEST(CliRunModes, TraceBytesDoNotDependOnTheWritersThreads) {
  // The VCD and the timeline are made in parts on --trace-threads threads and handed on in order:
  // one thread and three write the same bytes. 4,400 tokens through every unit: the timeline cuts
  // a unit's slices into parts of 4,096 tokens.
  ScratchDir dir("run-trace-threads");
  const std::string workload =
      "run --shape tiny" + kTinyConfig + " --prompt-len 100 -n 10 --users 40";
  std::map<std::string, std::string> vcd, timeline;
  nlohmann::json report;
  for (const std::string threads : {"1", "3"}) {
    const auto v = dir.path() / ("t" + threads + ".vcd");
    const auto t = dir.path() / ("t" + threads + ".json");
    report = report_of(workload + " --trace-threads " + threads + " --vcd " + v.string() +
                           " --timeline " + t.string(),
                       dir, "report");
    vcd[threads] = read_all(v);
    timeline[threads] = read_all(t);
  }
  EXPECT_GT(vcd["1"].size(), 100000u);
  EXPECT_GT(timeline["1"].size(), 1000000u);
  EXPECT_TRUE(vcd["1"] == vcd["3"]);
  EXPECT_TRUE(timeline["1"] == timeline["3"]);
  // Every layer unit has a slice per token, cut into parts or not, and their stalls add up to the
  // report's (a unit with k slots has threads "name #0" to "name #k-1"; a slice spans a token's
  // whole stay, so slices of one unit overlap and their cycles are not its busy cycles).
  const auto j = nlohmann::json::parse(timeline["3"]);
  std::map<int, std::string> processes;
  std::map<std::pair<int, int>, std::string> threads;
  std::map<std::pair<std::string, std::string>, std::pair<uint64_t, uint64_t>> cycles;
  for (const auto& e : j["traceEvents"]) {
    const std::pair<int, int> thread{e["pid"].get<int>(), e["tid"].get<int>()};
    if (e["ph"] == "M" && e["name"] == "process_name") processes[thread.first] = e["args"]["name"];
    if (e["ph"] == "M" && e["name"] == "thread_name") {
      const std::string name = e["args"]["name"];
      threads[thread] = name.substr(0, name.find(" #"));
    }
    if (e["ph"] != "X") continue;
    auto& c = cycles[{processes.at(thread.first), threads.at(thread)}];
    ++c.first;
    c.second += e["args"]["stalled_cycles"].get<uint64_t>();
  }
  size_t compared = 0;
  for (const auto& [unit, c] : cycles) {
    if (unit.first.size() != 3 || unit.first[0] != 'L') continue;
    const auto u = unit_report(report, "layer" + unit.first.substr(1), unit.second);
    EXPECT_EQ(c.first, u["tokens"].get<uint64_t>()) << unit.first << " " << unit.second;
    EXPECT_EQ(c.second, u["stalled_cycles"].get<uint64_t>()) << unit.first << " " << unit.second;
    ++compared;
  }
  EXPECT_GT(compared, 10u);
}

TEST(CliRunModes, TraceLogsLargerThanMemoryAreRefusedBeforeTheRun) {
  ScratchDir dir("run-trace-memory");
  // 1024 users of 8192 + 8192 tokens through the 8B shape's ~550 units: ~251 GiB of logs.
  const std::string workload =
      "run --users 1024 --prompt-len 8192 -n 8192 --set kv_sram.capacity_mib=1048576";
  const auto out = dir.path() / "out";
  std::filesystem::create_directory(out);
  for (const std::string option : {"--vcd", "--timeline"}) {
    const auto file = out / "t.out";
    const auto r = run_etchsim(workload + " " + option + " " + file.string(), dir.path());
    EXPECT_NE(r.exit_code, 0) << option;
    EXPECT_NE(r.err.find(option + ": a traced run logs every token through every unit"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("16777216 tokens"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("trace a shorter run"), std::string::npos) << r.err;
    EXPECT_TRUE(std::filesystem::is_empty(out)) << option;
  }
}

TEST(CliRunModes, FstBesideTheVcd) {
  if (!trace::find_vcd2fst()) GTEST_SKIP() << "gtkwave's vcd2fst is not installed";
  ScratchDir dir("run-fst");
  const auto vcd = dir.path() / "t.vcd";
  const auto r = run_etchsim(
      "run --shape tiny" + kTinyConfig + " --prompt-len 2 -n 2 --vcd " + vcd.string() + " --fst",
      dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GT(std::filesystem::file_size(dir.path() / "t.fst"), 0u);
}

TEST(CliRunModes, RefusedWorkloadLeavesNoTrace) {
  ScratchDir dir("run-refused");
  const auto vcd = dir.path() / "t.vcd";
  const auto r =
      run_etchsim("run --shape tiny" + kTinyConfig +
                      " --prompt-len 200 -n 200 --users 11 --set kv_sram.capacity_mib=0.05 --vcd " +
                      vcd.string() + " --report " + (dir.path() / "r.json").string(),
                  dir.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("KV SRAM"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(vcd));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "r.json"));
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_EQ(entry.path().extension() == ".vcd" || entry.path().extension() == ".gtkw", false)
        << entry.path();
  }
}

}  // namespace
}  // namespace etchsim::cli::testing

namespace etchsim::cli::testing {
namespace {

// An older VCD and .gtkw of the --vcd name are removed as the run starts (docs/chip.md, "Traces"):
// they are gone while the run writes its --timeline (into a FIFO here, which holds the run until
// the test reads it), before the new VCD is written; a directory of that name is refused.
TEST(CliRunOutputs, OlderTraceIsRemovedAsTheRunStarts) {
  ScratchDir dir("run-older-trace");
  const auto vcd = dir.path() / "t.vcd";
  const auto gtkw = dir.path() / "t.gtkw";
  const auto other = dir.path() / "t.txt";
  const auto timeline = dir.path() / "timeline.json";
  for (const auto& p : {vcd, gtkw, other}) std::ofstream(p) << "older\n";
  ASSERT_EQ(::mkfifo(timeline.c_str(), 0600), 0);
  auto run = std::async(std::launch::async, [&] {
    return run_etchsim("run --shape tiny --prompt-len 4 -n 2 --vcd " + vcd.string() +
                           " --timeline " + timeline.string(),
                       dir.path());
  });
  // Opening the FIFO waits for the run to open it for its timeline.
  std::ifstream in(timeline);
  // Taken as the new trace's temporary (where files take write leases; else kept until renamed).
  if (etchsim::testing::write_leases_work(dir.path())) {
    EXPECT_FALSE(std::filesystem::exists(vcd));
  }
  EXPECT_FALSE(std::filesystem::exists(gtkw));
  EXPECT_TRUE(std::filesystem::exists(other));
  const std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_FALSE(json.empty());
  const CommandResult r = run.get();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::string written = read_all(vcd);
  EXPECT_NE(written, "older\n");
  EXPECT_NE(read_all(gtkw), "older\n");
  // The older file's pages are written over in place (a shorter trace cuts it): the bytes equal
  // a run's into a fresh name. A file with a second link is left to it and replaced instead.
  const auto fresh = dir.path() / "fresh.vcd";
  ASSERT_EQ(run_etchsim("run --shape tiny --prompt-len 4 -n 2 --vcd " + fresh.string(), dir.path())
                .exit_code,
            0);
  EXPECT_EQ(written, read_all(fresh));
  const std::string tail(1 << 20, '#');
  std::ofstream(vcd, std::ios::app) << tail;
  ASSERT_EQ(run_etchsim("run --shape tiny --prompt-len 4 -n 2 --vcd " + vcd.string(), dir.path())
                .exit_code,
            0);
  EXPECT_EQ(read_all(vcd), written);
  std::ofstream(vcd, std::ios::app) << tail;
  const auto linked = dir.path() / "linked.vcd";
  std::filesystem::create_hard_link(vcd, linked);
  const std::string before = read_all(linked);
  ASSERT_EQ(run_etchsim("run --shape tiny --prompt-len 4 -n 2 --vcd " + vcd.string(), dir.path())
                .exit_code,
            0);
  EXPECT_EQ(read_all(vcd), written);
  EXPECT_EQ(read_all(linked), before);
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  }

  const auto folder = dir.path() / "d.vcd";
  std::filesystem::create_directory(folder);
  const auto d =
      run_etchsim("run --shape tiny --prompt-len 4 -n 2 --vcd " + folder.string(), dir.path());
  EXPECT_NE(d.exit_code, 0);
  EXPECT_NE(d.err.find("--vcd " + folder.string() + ": is a directory"), std::string::npos)
      << d.err;
  EXPECT_TRUE(std::filesystem::is_directory(folder));
}

// Outputs that name a FIFO (as /dev/null would be a device) are written into it, not replaced by
// a regular file renamed over it; the VCD's bytes are those of a file run, and no .gtkw appears.
TEST(CliRunOutputs, PipesAreWrittenInPlaceNotReplaced) {
  ScratchDir dir("run-fifo");
  const auto at = [&dir](const char* name) { return (dir.path() / name).string(); };
  const std::string workload = " --shape tiny --prompt-len 4 -n 3 --users 2";
  ASSERT_EQ(run_etchsim("run" + workload + " --vcd " + at("file.vcd"), dir.path()).exit_code, 0);
  const std::string expected = read_all(at("file.vcd"));
  const std::vector<const char*> names = {"trace.vcd", "report.json", "timeline.json"};
  std::map<std::string, std::future<std::string>> readers;
  for (const char* name : names) {
    ASSERT_EQ(::mkfifo(at(name).c_str(), 0600), 0);
    readers[name] = std::async(std::launch::async, [p = at(name)] { return read_all(p); });
  }
  const auto r = run_etchsim("run" + workload + " --vcd " + at("trace.vcd") + " --report " +
                                 at("report.json") + " --timeline " + at("timeline.json"),
                             dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // A pipe the run never opened would keep its reader waiting: open and close each for writing
  // (without blocking), which ends any such read with nothing.
  for (const char* name : names) {
    const int fd = ::open(at(name).c_str(), O_WRONLY | O_NONBLOCK);
    if (fd >= 0) ::close(fd);
  }
  EXPECT_EQ(readers["trace.vcd"].get(), expected);
  const std::string report = readers["report.json"].get();
  ASSERT_FALSE(report.empty());
  EXPECT_EQ(nlohmann::json::parse(report)["users"].size(), 2u);
  EXPECT_FALSE(readers["timeline.json"].get().empty());
  for (const char* name : names) {
    EXPECT_TRUE(std::filesystem::is_fifo(at(name))) << name;
  }
  EXPECT_FALSE(std::filesystem::exists(at("trace.gtkw")));
  const auto fst =
      run_etchsim("run" + workload + " --vcd " + at("trace.vcd") + " --fst", dir.path());
  EXPECT_NE(fst.exit_code, 0);
  EXPECT_NE(fst.err.find("--fst"), std::string::npos) << fst.err;
}

}  // namespace
}  // namespace etchsim::cli::testing
