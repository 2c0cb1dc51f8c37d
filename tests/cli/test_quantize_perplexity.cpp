// `etchsim quantize`, `etchsim perplexity` and `etchsim run` on the real model, end to end: what a
// user types and reads, and the errors for bad input (exit code 1, one clear line, no file).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "run_command.hpp"

namespace etchsim::cli::testing {
namespace {

namespace fs = std::filesystem;
const std::string kStories = std::string(ETCHSIM_SOURCE_DIR) + "/models/stories260K.gguf";
const std::string kText = std::string(ETCHSIM_SOURCE_DIR) + "/models/eval-stories.txt";

TEST(CliQuantize, WritesTheSchemeAndSummarises) {
  ScratchDir dir("quantize-mix36");
  const fs::path out = dir.path() / "stories-mix36.gguf";
  auto r =
      run_etchsim("quantize " + kStories + " -o " + out.string() + " --scheme mix36", dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "bits/weight")) << r.err;
  EXPECT_TRUE(contains(r.err, "row length 172 is not a multiple of q6_K's block of 256: f16"))
      << r.err;
  r = run_etchsim("inspect --json " + out.string(), dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["metadata"]["general.file_type"], 12);
  for (const auto& t : doc["tensors"]) {
    if (t["name"] == "blk.0.attn_v.weight") {
      EXPECT_EQ(t["type"], "Q8_0");
    }
    if (t["name"] == "blk.0.attn_q.weight") {
      EXPECT_EQ(t["type"], "Q4_0");
    }
  }
}

TEST(CliQuantize, BadInputsNameTheProblemAndWriteNothing) {
  ScratchDir dir("quantize-bad");
  const fs::path out = dir.path() / "out.gguf";
  auto r =
      run_etchsim("quantize " + kStories + " -o " + out.string() + " --scheme q5_k", dir.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "--scheme 'q5_k' is not one quantize writes")) << r.err;
  // llama-quantize's mixtures are synth / --weights schemes, not ones quantize writes.
  r = run_etchsim("quantize " + kStories + " -o " + out.string() + " --scheme q4_k_m", dir.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "--scheme 'q4_k_m' is not one quantize writes")) << r.err;
  EXPECT_FALSE(fs::exists(out));
  r = run_etchsim("quantize " + kStories + " -o " + kStories + " --scheme q8_0", dir.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "is the input file")) << r.err;
  const fs::path junk = dir.path() / "junk.gguf";
  { std::ofstream(junk) << "not a gguf file at all"; }
  r = run_etchsim("quantize " + junk.string() + " -o " + out.string() + " --scheme q8_0",
                  dir.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "junk.gguf")) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST(CliRun, FloatModelSaysWhichQuantizeCommandMakesItRunnable) {
  ScratchDir dir("run-f32");
  const auto r = run_etchsim("run " + kStories + " --prompt 'Once upon a time' -n 4", dir.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "has f32 weight matrices")) << r.err;
  EXPECT_TRUE(contains(r.err, "etchsim quantize " + kStories + " -o ")) << r.err;
  EXPECT_TRUE(contains(r.err, "--scheme mix36")) << r.err;
  EXPECT_TRUE(contains(r.err, "weight_cells.allow_f16_weights=true")) << r.err;  // ffn_down
}

TEST(CliRun, QuantizedRealModelTellsAStory) {
  ScratchDir dir("run-story");
  const fs::path model = dir.path() / "stories-q8_0.gguf";
  auto r =
      run_etchsim("quantize " + kStories + " -o " + model.string() + " --scheme q8_0", dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_etchsim("run " + model.string() + " --prompt 'Once upon a time' -n 8", dir.path());
  EXPECT_EQ(r.exit_code, 1);  // ffn_down stayed F16: the opt-in is named
  EXPECT_TRUE(contains(r.err, "blk.0.ffn_down.weight, rows of 172 values")) << r.err;
  r = run_etchsim("run " + model.string() +
                      " --prompt 'Once upon a time' -n 8 --set weight_cells.allow_f16_weights=true",
                  dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "there was a little girl")) << r.out;
}

TEST(CliPerplexity, JsonAndErrors) {
  ScratchDir dir("perplexity");
  auto r = run_etchsim(
      "perplexity " + kStories + " --text " + kText + " --ctx 32 --chunks 2 --json --threads 1",
      dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["chunks"], 2);
  EXPECT_EQ(doc["scored_tokens"], 2 * 15);
  EXPECT_GT(doc["ppl"]["value"].get<double>(), 1.0);
  EXPECT_EQ(doc["ppl_after_chunk"].size(), 2u);

  const fs::path short_text = dir.path() / "short.txt";
  { std::ofstream(short_text) << "Once upon a time."; }
  r = run_etchsim("perplexity " + kStories + " --text " + short_text.string() + " --ctx 32",
                  dir.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "needs at least 64")) << r.err;
  r = run_etchsim("perplexity " + kStories + " --text " + kText + " --ctx 4096", dir.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "context length 2048")) << r.err;
  r = run_etchsim("perplexity " + kStories + " --text " + kText + " --ctx 2", dir.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.err, "--ctx")) << r.err;
}

}  // namespace
}  // namespace etchsim::cli::testing
