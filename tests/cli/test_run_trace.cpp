// `etchsim run` across runs (each run is its own process): functional and timing modes give the
// same cycles; lockstep and skip clocking give the same cycles and the same VCD value changes;
// the VCD is valid and holds the expected transitions; .gtkw and .fst beside it.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

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

TEST(CliRunModes, LockstepAndSkipGiveTheSameCyclesAndVcd) {
  ScratchDir dir("run-clocking");
  const std::string workload = "run --shape tiny" + kTinyConfig + " --prompt-len 6 -n 5 --users 2";
  const auto skip_vcd = dir.path() / "skip.vcd";
  const auto lock_vcd = dir.path() / "lockstep.vcd";
  const auto skip = report_of(workload + " --vcd " + skip_vcd.string(), dir, "skip");
  const auto lock =
      report_of(workload + " --clocking lockstep --vcd " + lock_vcd.string(), dir, "lockstep");
  EXPECT_EQ(skip["cycles_total"], lock["cycles_total"]);
  EXPECT_EQ(skip["users"], lock["users"]);
  EXPECT_EQ(skip["layers"], lock["layers"]);
  // Lockstep wakes every cycle; skip only when a unit is due.
  EXPECT_GT(lock["simulation"]["wakes"].get<uint64_t>(),
            2 * skip["simulation"]["wakes"].get<uint64_t>());
  const trace::VcdFile a = vcd_of(skip_vcd);
  const trace::VcdFile b = vcd_of(lock_vcd);
  EXPECT_EQ(a.timescale, b.timescale);
  const auto changes_a = changes_by_name(a);
  EXPECT_EQ(changes_a, changes_by_name(b));
  EXPECT_GT(changes_a.size(), 100u);
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

TEST(CliRunModes, VcdIsValidAndHoldsTheExpectedTransitions) {
  ScratchDir dir("run-vcd");
  const auto vcd_path = dir.path() / "run.vcd";
  const uint64_t prompt = 4, generated = 3;
  const auto report = report_of(
      "run --shape tiny" + kTinyConfig + " --prompt-len 4 -n 3 --vcd " + vcd_path.string(), dir,
      "report");
  const trace::VcdFile vcd = vcd_of(vcd_path);
  EXPECT_NE(vcd.timescale.find("1 ns"), std::string::npos) << vcd.timescale;  // one cycle
  const uint64_t tokens = prompt + generated - 1;
  // Each unit's busy intervals in the VCD add up to the busy cycles the report counts.
  auto unit_busy = [&report](const std::string& layer, const std::string& unit) {
    for (const auto& l : report["layers"]) {
      if (l["name"] != layer) continue;
      for (const auto& u : l["units"]) {
        if (u["name"] == unit) return u["busy_cycles"].get<uint64_t>();
      }
    }
    ADD_FAILURE() << layer << "." << unit << " is not in the report";
    return uint64_t{0};
  };
  for (const auto& [layer, unit] :
       std::vector<std::pair<std::string, std::string>>{{"layer00", "attn_norm"},
                                                        {"layer01", "attention"},
                                                        {"layer01", "down"},
                                                        {"lm_head", "argmax"}}) {
    const auto ch = trace::changes(vcd, "SystemC.chip." + layer + "." + unit + ".busy");
    uint64_t busy = 0, rises = 0, since = 0;
    for (const auto& [time, value] : ch) {
      if (value == "1") {
        since = time;
        ++rises;
      } else if (time > 0) {
        busy += time - since;
      }
    }
    EXPECT_EQ(busy, unit_busy(layer, unit)) << layer << "." << unit;
    // Decode tokens pass one at a time; prompt tokens may overlap in a unit.
    EXPECT_GE(rises, generated - 1) << layer << "." << unit;
    EXPECT_LE(rises, tokens) << layer << "." << unit;
  }
  // Positions travel with the tokens through the registers: the last one carries the last position.
  const auto pos = trace::changes(vcd, "SystemC.chip.layer01.ffn_residual.out_pos");
  ASSERT_FALSE(pos.empty());
  EXPECT_EQ(trace::vcd_value_to_uint(pos.back().second), tokens - 1);
  // The tokens-out counter ends at the number of tokens; the KV SRAM held their rows.
  const auto out = trace::changes(vcd, "SystemC.chip.tokens_out");
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(trace::vcd_value_to_uint(out.back().second), tokens);
  EXPECT_EQ(out.back().first, report["cycles_total"].get<uint64_t>());
  const auto kv = trace::changes(vcd, "SystemC.chip.kv_sram.occupied_bytes");
  ASSERT_FALSE(kv.empty());
  uint64_t kv_peak = 0;
  for (const auto& [time, value] : kv)
    kv_peak = std::max(kv_peak, *trace::vcd_value_to_uint(value));
  EXPECT_EQ(kv_peak, report["kv_sram"]["peak_bytes"].get<uint64_t>());
  EXPECT_EQ(trace::vcd_value_to_uint(kv.back().second), 0u);  // the host closed the sequence
  // The .gtkw beside it groups signals per layer.
  const std::string gtkw = read_all(dir.path() / "run.gtkw");
  EXPECT_NE(gtkw.find("-layer00"), std::string::npos);
  EXPECT_NE(gtkw.find("-layer01"), std::string::npos);
  EXPECT_NE(gtkw.find("SystemC.chip.layer00.attn_norm.busy"), std::string::npos);
}

TEST(CliRunModes, TraceLayersAndWindowBoundTheVcd) {
  ScratchDir dir("run-vcd-bounds");
  const auto full = dir.path() / "full.vcd";
  const auto part = dir.path() / "part.vcd";
  const std::string workload = "run --shape tiny" + kTinyConfig + " --prompt-len 4 -n 3";
  ASSERT_EQ(run_etchsim(workload + " --vcd " + full.string(), dir.path()).exit_code, 0);
  const auto r =
      run_etchsim(workload + " --vcd " + part.string() + " --trace-layers 1 --trace-window 200:600",
                  dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const trace::VcdFile a = vcd_of(full);
  const trace::VcdFile b = vcd_of(part);
  bool has_layer0 = false;
  for (const auto& var : b.vars) has_layer0 |= var.full_name.find("layer00") != std::string::npos;
  EXPECT_FALSE(has_layer0);
  // Inside the window the values equal the full trace's; outside nothing changes after time 0.
  const std::string signal = "SystemC.chip.layer01.attention.busy";
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
