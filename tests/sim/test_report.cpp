// The JSON report, write_report and the summary table of a hand-filled RunResult.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "etchsim/arch/chip_config.hpp"
#include "etchsim/arch/config_keys.hpp"
#include "etchsim/sim/report.hpp"

namespace etchsim::sim {
namespace {

using nlohmann::json;

RunResult sample_result() {
  RunResult r;
  r.model = "tiny";
  r.mode = "timing";
  r.clocking = "skip";
  r.config.clock.clock_mhz = 250.0;
  r.config.kv_sram.banks = 6;
  r.config.process.node = "N5";
  r.clock_hz = 250e6;
  r.cycles_total = 5'000'000;
  r.tokens_generated = 7;
  UserResult u0;
  u0.tokens = {5, 6, 7, 8};
  u0.first_input_cycle = 10;
  u0.first_token_cycle = 2510;
  u0.last_token_cycle = 3110;
  u0.ttft_cycles = 2500;
  u0.tpot_cycles = 200.0;
  u0.tokens_generated = 4;
  u0.tokens_per_s = 1.25e6;
  UserResult u1;
  u1.ttft_cycles = 5000;
  u1.tpot_cycles = 400.0;
  u1.tokens_generated = 3;
  u1.tokens_per_s = 625000.0;
  r.users = {u0, u1};
  r.tokens_per_s_per_user = 937500.0;
  r.tokens_per_s_aggregate = 350.0;
  r.layers = {
      LayerResult{
          "layer00", 1000, 0.0002, {UnitResult{"attn_norm", 40, 11}, {"qkv", 300, 11, 25, 9}}},
      LayerResult{"lm_head", 4321, 0.0008642, {UnitResult{"output", 4000, 7}}},
  };
  r.kv_capacity_bytes = 1 << 20;
  r.kv_peak_bytes = 65536;
  r.cells = {{"q3_K", 123456}, {"q6_K", 789}};
  r.wakes = 4242;
  r.wall_seconds = 0.5;
  r.cpu_seconds = 0.25;
  return r;
}

TEST(Report, JsonHasEveryFieldWithItsValue) {
  const RunResult r = sample_result();
  const json j = report_json(r);
  EXPECT_EQ(j.at("model"), "tiny");
  EXPECT_EQ(j.at("mode"), "timing");
  EXPECT_EQ(j.at("clocking"), "skip");
  EXPECT_DOUBLE_EQ(j.at("clock_hz").get<double>(), 250e6);
  EXPECT_EQ(j.at("cycles_total").get<uint64_t>(), 5'000'000u);
  EXPECT_DOUBLE_EQ(j.at("seconds").get<double>(), 0.02);
  EXPECT_EQ(j.at("tokens_generated").get<uint64_t>(), 7u);
  EXPECT_DOUBLE_EQ(j.at("tokens_per_s_per_user").get<double>(), 937500.0);
  EXPECT_DOUBLE_EQ(j.at("tokens_per_s_aggregate").get<double>(), 350.0);

  ASSERT_EQ(j.at("users").size(), 2u);
  const json& u0 = j.at("users")[0];
  EXPECT_EQ(u0.at("ttft_cycles").get<uint64_t>(), 2500u);
  EXPECT_DOUBLE_EQ(u0.at("ttft_s").get<double>(), 1e-5);
  EXPECT_DOUBLE_EQ(u0.at("tpot_cycles").get<double>(), 200.0);
  EXPECT_EQ(u0.at("tokens").get<uint64_t>(), 4u);
  EXPECT_DOUBLE_EQ(u0.at("tokens_per_s").get<double>(), 1.25e6);
  EXPECT_EQ(u0.at("token_ids"), json({5, 6, 7, 8}));
  EXPECT_EQ(u0.at("first_input_cycle").get<uint64_t>(), 10u);
  EXPECT_EQ(u0.at("first_token_cycle").get<uint64_t>(), 2510u);
  EXPECT_EQ(u0.at("last_token_cycle").get<uint64_t>(), 3110u);
  EXPECT_EQ(j.at("users")[1].at("token_ids"), json::array());
  EXPECT_EQ(j.at("users")[1].at("tokens").get<uint64_t>(), 3u);

  ASSERT_EQ(j.at("layers").size(), 2u);
  const json& l0 = j.at("layers")[0];
  EXPECT_EQ(l0.at("name"), "layer00");
  EXPECT_EQ(l0.at("busy_cycles").get<uint64_t>(), 1000u);
  EXPECT_DOUBLE_EQ(l0.at("utilization").get<double>(), 0.0002);
  ASSERT_EQ(l0.at("units").size(), 2u);
  EXPECT_EQ(l0.at("units")[1], json({{"name", "qkv"},
                                     {"busy_cycles", 300},
                                     {"stalled_cycles", 25},
                                     {"longest_stall_cycles", 9},
                                     {"tokens", 11}}));
  EXPECT_EQ(j.at("layers")[1].at("name"), "lm_head");

  EXPECT_EQ(j.at("kv_sram"), json({{"capacity_bytes", 1 << 20},
                                   {"peak_bytes", 65536},
                                   {"bits_read", 0},
                                   {"bits_written", 0}}));
  EXPECT_EQ(j.at("cells"), json({{"q3_K", 123456}, {"q6_K", 789}}));
  const json& s = j.at("simulation");
  EXPECT_EQ(s.at("wakes").get<uint64_t>(), 4242u);
  EXPECT_DOUBLE_EQ(s.at("wall_seconds").get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(s.at("cpu_seconds").get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(s.at("simulated_tokens_per_wall_s").get<double>(), 14.0);
}

TEST(Report, ConfigHoldsEveryKeyAsResolved) {
  const RunResult r = sample_result();
  const json config = report_json(r).at("config");
  size_t n_keys = 0;
  for (const auto& [section, keys] : config.items()) n_keys += keys.size();
  EXPECT_EQ(n_keys, arch::config_keys().size());
  for (const arch::ConfigKey& key : arch::config_keys()) {
    const std::string_view name = key.key;
    const size_t dot = name.find('.');
    const std::string pointer = fmt::format("/{}/{}", name.substr(0, dot), name.substr(dot + 1));
    EXPECT_TRUE(config.contains(json::json_pointer(pointer))) << key.key;
  }
  EXPECT_DOUBLE_EQ(config.at("clock").at("clock_mhz").get<double>(), 250.0);
  EXPECT_EQ(config.at("kv_sram").at("banks").get<int64_t>(), 6);
  EXPECT_EQ(config.at("kv_sram").at("element"), "f16");
  EXPECT_EQ(config.at("process").at("node"), "N5");
  EXPECT_EQ(config.at("weight_cells").at("allow_f16_weights"),
            r.config.weight_cells.allow_f16_weights);
}

TEST(Report, WriteReportRoundTrips) {
  const auto dir =
      std::filesystem::temp_directory_path() / fmt::format("etchsim-test-report-{}", ::getpid());
  std::filesystem::create_directories(dir);
  const RunResult r = sample_result();
  write_report(dir / "report.json", r);
  std::ifstream in(dir / "report.json");
  EXPECT_EQ(json::parse(in), report_json(r));
  // Only the report: no temporary file left beside it.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1);
  std::filesystem::remove_all(dir);
}

TEST(Report, WriteReportToUnwritableDirectoryThrowsAndLeavesNothing) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes anywhere";
  const auto dir =
      std::filesystem::temp_directory_path() / fmt::format("etchsim-test-report-ro-{}", ::getpid());
  std::filesystem::create_directories(dir);
  std::filesystem::permissions(
      dir, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  try {
    write_report(dir / "report.json", sample_result());
    ADD_FAILURE() << "write_report did not throw";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("report.json"), std::string::npos) << e.what();
  }
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 0);
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all);
  std::filesystem::remove_all(dir);
}

// Fails after the temporary file was written (renaming a file over a directory): the temporary
// is removed and the directory keeps only what it had. Works as root too.
TEST(Report, WriteReportFailingAtRenameLeavesNothing) {
  const auto dir = std::filesystem::temp_directory_path() /
                   fmt::format("etchsim-test-report-rename-{}", ::getpid());
  std::filesystem::create_directories(dir / "report.json" / "inside");
  EXPECT_THROW(write_report(dir / "report.json", sample_result()), std::runtime_error);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1);
  EXPECT_TRUE(std::filesystem::is_directory(dir / "report.json" / "inside"));
  std::filesystem::remove_all(dir);
}

TEST(Report, WriteReportUnderARegularFileThrows) {
  const auto dir = std::filesystem::temp_directory_path() /
                   fmt::format("etchsim-test-report-notdir-{}", ::getpid());
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "plain") << "x";
  EXPECT_THROW(write_report(dir / "plain" / "report.json", sample_result()), std::runtime_error);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1);
  std::filesystem::remove_all(dir);
}

TEST(Report, WriteReportIntoMissingDirectoryThrows) {
  const auto path = std::filesystem::temp_directory_path() / "etchsim-no-such-dir-x9" / "r.json";
  EXPECT_THROW(write_report(path, sample_result()), std::runtime_error);
  EXPECT_FALSE(std::filesystem::exists(path.parent_path()));
}

TEST(Report, SummaryTableHoldsTheNumbers) {
  const std::string table = summary_table(sample_result(), {17, 17});
  for (const char* needle :
       {"user",    "TTFT ms",  "TPOT cycles", "0.0100",    "0.0200",
        "200.0",   "400.0",    "1250000.0",   "625000.0",  "17",
        "5000000", "0.020000", "937500.0",    "350.0",     "65536 / 1048576",
        "6.2%",    "lm_head",  "4321",        "250.0 MHz", "tiny (timing, skip clocking)"}) {
    EXPECT_NE(table.find(needle), std::string::npos) << needle << "\n" << table;
  }
}

TEST(Report, SummaryTableWithoutPromptLengthsOrLayers) {
  RunResult r = sample_result();
  r.layers.clear();
  const std::string table = summary_table(r);
  EXPECT_EQ(table.find("busiest"), std::string::npos);
  EXPECT_NE(table.find("tokens/s per user"), std::string::npos);
}

}  // namespace
}  // namespace etchsim::sim
