// The synth and inspect commands end to end: what a user types and reads.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "etchsim/gguf/writer.hpp"
#include "run_command.hpp"

namespace etchsim::cli::testing {

TEST(CliSynthInspect, TinyModelInspectsAsJson) {
  ScratchDir dir("tiny-json");
  const auto model = dir.path() / "tiny.gguf";
  auto r = run_etchsim("synth --shape tiny --quant q4_0 --seed 7 -o " + model.string(), dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("wrote"), std::string::npos);

  r = run_etchsim("inspect --json " + model.string(), dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["version"], 3);
  EXPECT_EQ(doc["metadata"]["general.architecture"], "llama");
  EXPECT_EQ(doc["metadata"]["llama.block_count"], 2);
  EXPECT_EQ(doc["metadata"]["tokenizer.ggml.tokens"]["count"], 512);  // summarised array
  bool saw_q = false;
  for (const auto& t : doc["tensors"]) {
    if (t["name"] == "blk.0.attn_q.weight") {
      saw_q = true;
      EXPECT_EQ(t["type"], "Q4_0");
      EXPECT_EQ(t["shape"], nlohmann::json::array({64, 64}));
      EXPECT_EQ(t["bytes"], 64 * 64 / 32 * 18);
      EXPECT_EQ(t["file_offset"].get<uint64_t>() % 32, 0u);
    }
  }
  EXPECT_TRUE(saw_q);
  EXPECT_GT(doc["totals"]["parameters"].get<uint64_t>(), 100000u);
}

TEST(CliSynthInspect, TextReportHasTableAndTotals) {
  ScratchDir dir("tiny-text");
  const auto model = dir.path() / "tiny.gguf";
  ASSERT_EQ(run_etchsim("synth --quant mix36 -o " + model.string(), dir.path()).exit_code, 0);
  const auto r = run_etchsim("inspect " + model.string(), dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("tokenizer.ggml.model"), std::string::npos);
  EXPECT_NE(r.out.find("blk.1.ffn_down.weight"), std::string::npos);
  EXPECT_NE(r.out.find("totals:"), std::string::npos);
  EXPECT_NE(r.out.find("bits/weight"), std::string::npos);
}

TEST(CliSynthInspect, SameSeedSameBytes) {
  ScratchDir dir("seed");
  const auto a = dir.path() / "a.gguf", b = dir.path() / "b.gguf", c = dir.path() / "c.gguf";
  ASSERT_EQ(run_etchsim("synth --quant q4_k --seed 3 -o " + a.string(), dir.path()).exit_code, 0);
  ASSERT_EQ(run_etchsim("synth --quant q4_k --seed 3 -o " + b.string(), dir.path()).exit_code, 0);
  ASSERT_EQ(run_etchsim("synth --quant q4_k --seed 4 -o " + c.string(), dir.path()).exit_code, 0);
  EXPECT_EQ(read_all(a), read_all(b));
  EXPECT_NE(read_all(a), read_all(c));
}

TEST(CliSynthInspect, BadFileIsOneLineErrorAndNonZeroExit) {
  ScratchDir dir("bad");
  const auto bad = dir.path() / "bad.gguf";
  std::ofstream(bad) << "GGUF\x03\x00\x00\x00 truncated";
  const auto r = run_etchsim("inspect " + bad.string(), dir.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find(bad.string()), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;

  const auto missing = run_etchsim("inspect " + (dir.path() / "nope.gguf").string(), dir.path());
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("nope.gguf"), std::string::npos) << missing.err;
}

TEST(CliSynthInspect, BadSynthArgumentsNameTheInput) {
  ScratchDir dir("badargs");
  const auto out = dir.path() / "x.gguf";
  auto r = run_etchsim("synth --quant q5_9 -o " + out.string(), dir.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("q5_9"), std::string::npos) << r.err;
  r = run_etchsim("synth --shape tiny --kv-heads 3 -o " + out.string(), dir.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("n_head_kv"), std::string::npos) << r.err;
  r = run_etchsim("synth --shape huge -o " + out.string(), dir.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("huge"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST(CliSynthInspect, ReadsVersion2FilesFromOtherWriters) {
  // Another writer's file: v2, keys in another order, keys etchsim never writes, alignment 64.
  ScratchDir dir("v2");
  gguf::GgufWriter w(64);
  w.set("tokenizer.ggml.model", "llama");
  w.set("custom.vendor.note", "written by another tool");
  w.set("general.architecture", "llama");
  w.set("custom.list", gguf::Value::array_of<int32_t>({1, 2, 3}));
  std::vector<std::byte> data(2 * 64 * 4, std::byte{0});
  w.add_tensor("weights.x", gguf::GgmlType::F32, {64, 2}, data);
  const auto path = dir.path() / "v2.gguf";
  w.write(path, 2);
  const auto r = run_etchsim("inspect --json " + path.string(), dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["version"], 2);
  EXPECT_EQ(doc["alignment"], 64);
  EXPECT_EQ(doc["metadata"]["custom.list"], nlohmann::json::array({1, 2, 3}));
  EXPECT_EQ(doc["tensors"][0]["shape"], nlohmann::json::array({64, 2}));
}

}  // namespace etchsim::cli::testing
