// `etchsim run --lora`: the chip's tokens with an adapter equal `etchsim golden --lora`'s, the
// report lists the adapter, and adapters that do not fit or do not match stop the run with a
// message naming the file, exit != 0 and no report.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "run_command.hpp"

namespace etchsim::cli::testing {
namespace {

using nlohmann::json;

// Room for rank-8 adapters on the tiny model (64 KiB of LoRA SRAM per layer).
const std::string kLoraChip = " --config " + std::string(ETCHSIM_SOURCE_DIR) +
                              "/configs/tiny.toml --set lora_sram.capacity_mib=0.125";

struct Files {
  std::filesystem::path model, adapter;
};

Files make_files(const ScratchDir& dir, const std::string& synth_lora_args) {
  Files f{dir.path() / "tiny.gguf", dir.path() / "lora.gguf"};
  EXPECT_EQ(
      run_etchsim("synth --shape tiny --quant q4_0 -o " + f.model.string(), dir.path()).exit_code,
      0);
  const auto r = run_etchsim(
      "synth-lora " + f.model.string() + " -o " + f.adapter.string() + " " + synth_lora_args,
      dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return f;
}

std::string line_after(const std::string& text, const std::string& prefix) {
  const size_t at = text.find(prefix);
  if (at == std::string::npos) return {};
  const size_t begin = at + prefix.size();
  return text.substr(begin, text.find('\n', begin) - begin);
}

TEST(CliRunLora, ChipTokensEqualGoldenWithTheAdapter) {
  ScratchDir dir("run-lora");
  const Files f = make_files(dir, "--rank 8 --targets attn_q,attn_v,ffn_up --alpha 256");
  const std::string common =
      " --tokens 5,17,99,3 -n 6 --lora " + f.adapter.string() + " --lora-scale 0.75";
  const auto report = dir.path() / "r.json";
  const auto chip = run_etchsim(
      "run " + f.model.string() + kLoraChip + common + " --report " + report.string(), dir.path());
  ASSERT_EQ(chip.exit_code, 0) << chip.err;
  EXPECT_TRUE(contains(chip.out, "1 adapter(s) loaded in")) << chip.out;
  const auto golden = run_etchsim("golden " + f.model.string() + common + " --json", dir.path());
  ASSERT_EQ(golden.exit_code, 0) << golden.err;
  const json g = json::parse(golden.out);
  std::string expected;
  for (const auto& t : g.at("generated")) {
    if (!expected.empty()) expected += ',';
    expected += t.dump();
  }
  EXPECT_EQ(line_after(chip.out, "user 0 tokens: "), expected) << chip.out;
  // Without the adapter the tokens differ (the adapter is not a no-op on this prompt).
  const auto plain =
      run_etchsim("golden " + f.model.string() + " --tokens 5,17,99,3 -n 6 --json", dir.path());
  EXPECT_NE(json::parse(plain.out).at("generated"), g.at("generated"));
  const json j = json::parse(read_all(report));
  const json& adapters = j.at("serving").at("lora_sram").at("adapters");
  ASSERT_EQ(adapters.size(), 1u);
  EXPECT_EQ(adapters[0].at("name"), f.adapter.string());
  EXPECT_EQ(adapters[0].at("requests"), 1);
  EXPECT_EQ(j.at("users")[0].at("adapter"), f.adapter.string());
}

TEST(CliRunLora, AdapterTooLargeIsAnErrorAndWritesNothing) {
  ScratchDir dir("run-lora-large");
  const Files f = make_files(
      dir, "--rank 64 --targets attn_q,attn_k,attn_v,attn_output,ffn_gate,ffn_up,ffn_down");
  const auto report = dir.path() / "r.json";
  const auto r = run_etchsim("run " + f.model.string() + kLoraChip + " --tokens 1,2 -n 2 --lora " +
                                 f.adapter.string() + " --report " + report.string(),
                             dir.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.err, "lora.gguf")) << r.err;
  EXPECT_TRUE(contains(r.err, "does not fit the LoRA SRAM")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(report));
}

TEST(CliRunLora, AdapterForAnotherModelIsAnErrorNamingTheTensor) {
  ScratchDir dir("run-lora-mismatch");
  const Files f = make_files(dir, "--rank 4");
  // A model of another width: the adapter's attn_q does not fit it.
  const auto other = dir.path() / "wide.gguf";
  ASSERT_EQ(
      run_etchsim("synth --shape tiny --embd 128 --quant q8_0 -o " + other.string(), dir.path())
          .exit_code,
      0);
  const auto r = run_etchsim(
      "run " + other.string() + kLoraChip + " --tokens 1,2 -n 2 --lora " + f.adapter.string(),
      dir.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.err, "lora.gguf")) << r.err;
  EXPECT_TRUE(contains(r.err, "blk.0.attn_q.weight.lora_a")) << r.err;
}

TEST(CliRunLora, ChipWithoutLoraSramRefusesAdapters) {
  ScratchDir dir("run-lora-none");
  const Files f = make_files(dir, "--rank 4");
  const auto r =
      run_etchsim("run " + f.model.string() + " --config " + std::string(ETCHSIM_SOURCE_DIR) +
                      "/configs/tiny.toml --tokens 1,2 -n 2 --lora " + f.adapter.string(),
                  dir.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.err, "lora_sram.capacity_mib = 0")) << r.err;
}

// `etchsim sweep --lora` passes the adapter to every point: more LoRA MAC lanes, fewer cycles.
TEST(CliRunLora, SweepOverLoraLanes) {
  ScratchDir dir("sweep-lora");
  const Files f = make_files(dir, "--rank 8 --targets attn_q,attn_v,ffn_down");
  const auto out = dir.path() / "s.json";
  const auto r =
      run_etchsim("sweep --shape tiny --prompt-len 4 -n 4 --jobs 1" + kLoraChip + " --lora " +
                      f.adapter.string() + " --vary datapath.lora_lanes=1,64 -o " + out.string(),
                  dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json rows = json::parse(read_all(out));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].at("status"), "ok");
  EXPECT_EQ(rows[1].at("status"), "ok");
  EXPECT_GT(rows[0].at("cycles_total").get<uint64_t>(), rows[1].at("cycles_total").get<uint64_t>());
  EXPECT_GT(rows[0].at("serving.lora_sram.peak_bytes").get<uint64_t>(), 0u);
}

}  // namespace
}  // namespace etchsim::cli::testing
