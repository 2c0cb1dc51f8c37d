// `etchsim compare` end to end: option errors, the side-by-side table and the JSON output.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "run_command.hpp"

namespace etchsim::cli::testing {
namespace {

// The tiny shape on the tiny chip, with a KV SRAM that admits a few users: seconds, not minutes.
const std::string kTinyCompare = std::string("compare --shape tiny --config ") +
                                 ETCHSIM_SOURCE_DIR +
                                 "/configs/tiny.toml --set kv_sram.capacity_mib=0.02 "
                                 "--prompt-len 8 -n 4";

TEST(CliCompare, UnknownGpuIsAnError) {
  ScratchDir dir("compare-gpu");
  const auto r = run_etchsim("compare --gpu no-such-gpu", dir.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.err, "no-such-gpu")) << r.err;
  EXPECT_TRUE(contains(r.err, "h200")) << r.err;  // the known GPUs are listed
}

TEST(CliCompare, BadGpuFileIsAnErrorNamingTheKey) {
  ScratchDir dir("compare-gpu-file");
  const auto path = dir.path() / "gpu.toml";
  std::ofstream(path) << "[gpu]\nname = \"x\"\nmemory_bandwidth_tbps = 1\nmemory_gb = 80\n"
                         "board_power_w = 700\nwarp_speed = 9\n";
  const auto r = run_etchsim("compare --gpu " + path.string(), dir.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.err, "gpu.warp_speed")) << r.err;
}

TEST(CliCompare, UnknownGpuDtypeIsAnError) {
  ScratchDir dir("compare-dtype");
  const auto r = run_etchsim("compare --gpu-dtype fp16", dir.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.err, "--gpu-dtype")) << r.err;
}

TEST(CliCompare, TablePrintsChipAndGpuSideBySide) {
  ScratchDir dir("compare-table");
  const auto r = run_etchsim(kTinyCompare + " --gpu h100", dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* column :
       {"system", "users", "tok/s per user", "tok/s aggregate", "J/token", "$/M tokens"}) {
    EXPECT_TRUE(contains(r.out, column)) << column << "\n" << r.out;
  }
  EXPECT_TRUE(contains(r.out, "\nchip ")) << r.out;
  EXPECT_TRUE(contains(r.out, "GPU NVIDIA H100 SXM")) << r.out;
  EXPECT_TRUE(contains(r.out, "chip / GPU tokens/s per user")) << r.out;
}

TEST(CliCompare, JsonParsesWithEveryRow) {
  ScratchDir dir("compare-json");
  const auto r = run_etchsim(
      kTinyCompare + " --batch 1,4 --batch 16 --chip-price-per-hour 2 --json", dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["model"], "tiny");
  EXPECT_EQ(j["prompt_tokens"], 8);
  EXPECT_EQ(j["generated_tokens"], 4);
  const auto& chip = j["chip"];
  ASSERT_GE(chip["rows"].size(), 1u);
  EXPECT_EQ(chip["rows"][0]["users"], 1);
  EXPECT_GT(chip["rows"][0]["tokens_per_s_per_user"].get<double>(), 0);
  EXPECT_TRUE(chip["rows"][0]["usd_per_million_tokens"].is_number());
  EXPECT_TRUE(chip["rows"][0].contains("energy_j_per_token"));
  EXPECT_EQ(chip["rows"].size(), chip["max_users"].get<size_t>() > 1 ? 2u : 1u);
  const auto& gpu = j["gpu"];
  EXPECT_EQ(gpu["name"], "NVIDIA H200 SXM");
  EXPECT_EQ(gpu["dtype"], "bf16");
  ASSERT_EQ(gpu["rows"].size(), 3u);
  EXPECT_EQ(gpu["rows"][2]["batch"], 16);
  for (const auto& row : gpu["rows"]) {
    EXPECT_TRUE(row["fits"].get<bool>());
    EXPECT_GT(row["tokens_per_s_aggregate"].get<double>(), 0);
    EXPECT_GT(row["energy_j_per_token"].get<double>(), 0);
    EXPECT_TRUE(row["usd_per_million_tokens"].is_number());
  }
}

}  // namespace
}  // namespace etchsim::cli::testing
