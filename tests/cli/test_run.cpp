// `etchsim run` end to end: option errors, and the JSON report of a small timing run.
#include <gtest/gtest.h>

#include <cctype>
#include <nlohmann/json.hpp>
#include <string>

#include "run_command.hpp"

namespace etchsim::cli::testing {
namespace {

const std::string kTinyTiming = std::string("run --shape tiny --config ") + ETCHSIM_SOURCE_DIR +
                                "/configs/tiny.toml --prompt-len 8 -n 4";

TEST(CliRun, UnknownSetKeyIsAnErrorNamingTheKey) {
  ScratchDir dir("run-set-key");
  const auto r = run_etchsim(kTinyTiming + " --set kv_sram.no_such_key=3", dir.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.err, "kv_sram.no_such_key")) << r.err;
}

TEST(CliRun, OutOfRangeSetValueIsAnErrorNamingTheKey) {
  ScratchDir dir("run-set-range");
  const auto r = run_etchsim(kTinyTiming + " --set kv_sram.banks=0", dir.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.err, "kv_sram.banks")) << r.err;
}

// Range errors read as a person would write them (CLI11's own said "not in range 0.000000 to"
// followed by a 309-digit bound), and a non-finite rate is refused, not cast.
TEST(CliRun, NumericOptionErrorsAreReadable) {
  ScratchDir dir("run-numbers");
  const auto users = run_etchsim(kTinyTiming + " --users 0", dir.path());
  EXPECT_NE(users.exit_code, 0);
  EXPECT_TRUE(contains(users.err, "--users: must be more than 0, got 0")) << users.err;
  EXPECT_LT(users.err.size(), 200u) << users.err;
  for (const char* rate : {"nan", "inf", "-3", "0"}) {
    const auto r = run_etchsim(kTinyTiming + " --arrival-rate " + rate, dir.path());
    EXPECT_NE(r.exit_code, 0) << rate;
    EXPECT_TRUE(contains(r.err, "--arrival-rate")) << r.err;
  }
  const auto tiny_rate = run_etchsim(kTinyTiming + " --users 2 --arrival-rate 1e-300", dir.path());
  EXPECT_NE(tiny_rate.exit_code, 0);
  EXPECT_TRUE(contains(tiny_rate.err, "2^50")) << tiny_rate.err;
}

TEST(CliRun, FunctionalModeNeedsAModel) {
  ScratchDir dir("run-functional");
  const auto r = run_etchsim(kTinyTiming + " --mode functional", dir.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.err, "functional")) << r.err;
  EXPECT_TRUE(contains(r.err, "model")) << r.err;
}

TEST(CliRun, UnknownShapeIsAnError) {
  ScratchDir dir("run-shape");
  const auto r = run_etchsim("run --shape no-such-shape", dir.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.err, "no-such-shape")) << r.err;
  EXPECT_TRUE(contains(r.err, "llama-3.1-8b")) << r.err;  // the known shapes are listed
}

TEST(CliRun, UnknownWeightSchemeIsAnError) {
  ScratchDir dir("run-weights");
  const auto r = run_etchsim(kTinyTiming + " --weights q9_9", dir.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.err, "q9_9")) << r.err;
}

TEST(CliRun, PromptTextNeedsAModel) {
  ScratchDir dir("run-prompt");
  const auto r = run_etchsim("run --shape tiny --prompt hello", dir.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.err, "--prompt")) << r.err;
}

TEST(CliRun, TokenOutsideTheVocabularyIsAnError) {
  ScratchDir dir("run-vocab");
  const auto r = run_etchsim("run --shape tiny --tokens 1,2,512 -n 1", dir.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.err, "512")) << r.err;
}

TEST(CliRun, TraceWindowNeedsVcdOrTimeline) {
  ScratchDir dir("run-trace");
  const auto r = run_etchsim(kTinyTiming + " --trace-window 0:100", dir.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.err, "--trace-window needs --vcd or --timeline")) << r.err;
}

TEST(CliRun, TraceThreadsNeedATraceAndARange) {
  ScratchDir dir("run-trace-threads");
  auto r = run_etchsim(kTinyTiming + " --trace-threads 2", dir.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.err, "--trace-threads needs --vcd or --timeline")) << r.err;
  for (const char* bad : {"0", "65", "-1", "two"}) {
    const auto vcd = dir.path() / "never.vcd";
    r = run_etchsim(kTinyTiming + " --trace-threads " + bad + " --vcd " + vcd.string(), dir.path());
    EXPECT_NE(r.exit_code, 0) << bad;
    EXPECT_TRUE(contains(r.err, "--trace-threads")) << bad << ": " << r.err;
    EXPECT_FALSE(std::filesystem::exists(vcd)) << bad;
  }
}

TEST(CliRun, MissingConfigFileIsAnError) {
  ScratchDir dir("run-config");
  const auto r = run_etchsim("run --shape tiny --config /no/such/chip.toml", dir.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.err, "chip.toml")) << r.err;
}

// Needs the chip simulation (sim::run).
TEST(CliRun, FunctionalRunOfASynthesizedModelPrintsTokens) {
  ScratchDir dir("run-functional-model");
  const auto model = dir.path() / "tiny.gguf";
  ASSERT_EQ(
      run_etchsim("synth --shape tiny --quant q8_0 -o " + model.string(), dir.path()).exit_code, 0);
  const auto r =
      run_etchsim("run " + model.string() + " --tokens 1,2,3 -n 4 --users 2", dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "user 0 tokens: ")) << r.out;
  EXPECT_TRUE(contains(r.out, "user 1 tokens: ")) << r.out;
  EXPECT_TRUE(contains(r.out, "user 0 text: ")) << r.out;
  EXPECT_TRUE(contains(r.out, "(functional, skip clocking)")) << r.out;
}

TEST(CliRun, TimingRunWritesTheReport) {
  ScratchDir dir("run-report");
  const auto report = dir.path() / "report.json";
  const auto r = run_etchsim(kTinyTiming + " --users 2 --report " + report.string(), dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "tokens/s per user")) << r.out;
  const auto doc = nlohmann::json::parse(read_all(report));
  for (const char* field : {"model", "mode", "clocking", "config", "clock_hz", "cycles_total",
                            "seconds", "tokens_generated", "users", "tokens_per_s_per_user",
                            "tokens_per_s_aggregate", "layers", "kv_sram", "cells", "simulation"}) {
    EXPECT_TRUE(doc.contains(field)) << field;
  }
  EXPECT_EQ(doc["model"], "tiny");
  EXPECT_EQ(doc["mode"], "timing");
  EXPECT_EQ(doc["clocking"], "skip");
  EXPECT_DOUBLE_EQ(doc["clock_hz"].get<double>(), 500e6);
  EXPECT_EQ(doc["config"]["datapath"]["activation_lanes"], 16);
  EXPECT_GT(doc["cycles_total"].get<uint64_t>(), 0u);
  EXPECT_EQ(doc["tokens_generated"].get<uint64_t>(), 8u);
  ASSERT_EQ(doc["users"].size(), 2u);
  for (const auto& user : doc["users"]) {
    for (const char* field :
         {"ttft_cycles", "ttft_s", "tpot_cycles", "tokens", "tokens_per_s", "token_ids"}) {
      EXPECT_TRUE(user.contains(field)) << field;
    }
    EXPECT_EQ(user["tokens"].get<uint64_t>(), 4u);
    EXPECT_GT(user["ttft_cycles"].get<uint64_t>(), 0u);
  }
  ASSERT_FALSE(doc["layers"].empty());
  for (const auto& layer : doc["layers"]) {
    EXPECT_TRUE(layer.contains("busy_cycles"));
    EXPECT_TRUE(layer.contains("utilization"));
    EXPECT_TRUE(layer.contains("units"));
  }
  EXPECT_GT(doc["kv_sram"]["capacity_bytes"].get<uint64_t>(), 0u);
  EXPECT_GT(doc["kv_sram"]["peak_bytes"].get<uint64_t>(), 0u);
  // mix36 on the tiny shape falls back as `etchsim synth` does: rows of 64 are no whole K-quant
  // block, so Q3_K -> Q4_0 and Q6_K -> Q8_0 (type names in either case).
  std::string types;
  for (const auto& [type, count] : doc["cells"].items()) {
    for (const char c : type)
      types += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    types += ' ';
    EXPECT_GT(count.get<uint64_t>(), 0u) << type;
  }
  EXPECT_EQ(types, "q4_0 q8_0 ");
}

}  // namespace
}  // namespace etchsim::cli::testing
