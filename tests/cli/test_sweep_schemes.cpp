// `etchsim sweep --vary scheme=... --text FILE` (docs/sweep.md "Weight schemes"): the model file
// quantized once per scheme into the cache (bytes equal to `etchsim quantize`'s), each point run
// on its scheme's file, and each scheme's perplexity and KL divergence against the input file
// recorded beside speed, energy and area, equal to `etchsim perplexity`'s.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "run_command.hpp"
#include "sweep_table.hpp"

namespace etchsim::cli::testing {
namespace {

namespace fs = std::filesystem;
const std::string kStories = std::string(ETCHSIM_SOURCE_DIR) + "/models/stories260K.gguf";
const std::string kText = std::string(ETCHSIM_SOURCE_DIR) + "/models/eval-stories.txt";

TEST(SweepSchemeAxis, IsKeptAsItIs) {
  const sweep::Axis axis = sweep::parse_vary("scheme=q8_0,mix36");
  EXPECT_EQ(axis.key, "scheme");
  EXPECT_EQ(axis.values, (std::vector<std::string>{"q8_0", "mix36"}));
}

std::set<fs::path> cached_models(const fs::path& cache) {
  std::set<fs::path> out;
  for (const auto& e : fs::directory_iterator(cache)) {
    if (e.path().extension() == ".gguf") out.insert(e.path());
  }
  return out;
}

TEST(CliSweepSchemes, QuantizesOncePerSchemeAndRecordsQuality) {
  ScratchDir dir("sweep-schemes");
  const fs::path cache = dir.path() / "cache";
  const fs::path out = dir.path() / "s.json";
  const std::string sweep =
      "sweep " + kStories +
      " --vary scheme=q8_0,mix36 --vary clock_mhz=500,1000 --mode timing --prompt-len 16 -n 4"
      " --set weight_cells.allow_f16_weights=true --text " +
      kText + " --ctx 32 --chunks 2 --quant-cache " + cache.string() + " --jobs 2 -o " +
      out.string();
  auto r = run_etchsim(sweep, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = nlohmann::json::parse(read_all(out));
  ASSERT_EQ(rows.size(), 4u);

  // One quantized file per scheme, with `etchsim quantize`'s bytes.
  const std::set<fs::path> models = cached_models(cache);
  ASSERT_EQ(models.size(), 2u);
  std::map<std::string, fs::path> by_scheme;
  for (const fs::path& m : models) {
    const std::string name = m.stem().string();
    by_scheme[name.substr(name.rfind('-') + 1)] = m;
  }
  ASSERT_EQ(by_scheme.count("q8_0"), 1u);
  ASSERT_EQ(by_scheme.count("mix36"), 1u);
  const fs::path direct = dir.path() / "direct-mix36.gguf";
  r = run_etchsim("quantize " + kStories + " -o " + direct.string() + " --scheme mix36",
                  dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(read_all(direct) == read_all(by_scheme["mix36"]));

  // Quality per scheme: equal to `etchsim perplexity` on the cached file against the input.
  std::map<std::string, nlohmann::json> quality;
  for (const auto& row : rows) {
    ASSERT_EQ(row["status"], "ok") << row.dump();
    const std::string scheme = row["scheme"];
    EXPECT_GT(row["area_mm2"].get<double>(), 0.0);
    EXPECT_GT(row["tokens_per_s_per_user"].get<double>(), 0.0);
    EXPECT_GT(row["energy_j_per_token"].get<double>(), 0.0);
    if (quality.count(scheme)) {
      EXPECT_EQ(row["quality.perplexity"], quality[scheme]["quality.perplexity"]);
      EXPECT_EQ(row["quality.kl_divergence"], quality[scheme]["quality.kl_divergence"]);
    }
    quality[scheme] = row;
  }
  for (const auto& [scheme, row] : quality) {
    r = run_etchsim("perplexity " + by_scheme[scheme].string() + " --text " + kText +
                        " --ctx 32 --chunks 2 --json --base " + kStories,
                    dir.path());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto ppl = nlohmann::json::parse(r.out);
    EXPECT_EQ(row["quality.perplexity"], ppl["ppl"]["value"]) << scheme;
    EXPECT_EQ(row["quality.kl_divergence"], ppl["kl"]["kld"]["value"]) << scheme;
    EXPECT_EQ(row["quality.top1_agreement"], ppl["kl"]["same_top"]["value"]) << scheme;
    EXPECT_EQ(row["quality.scored_tokens"], 2 * 15);
  }
  // Fewer bits cost quality and area: mix36 (3/6-bit) against q8_0.
  EXPECT_LT(quality["mix36"]["quality.bits_per_weight"].get<double>(),
            quality["q8_0"]["quality.bits_per_weight"].get<double>());
  EXPECT_GT(quality["mix36"]["quality.kl_divergence"].get<double>(),
            quality["q8_0"]["quality.kl_divergence"].get<double>());
  EXPECT_NE(quality["mix36"]["area_mm2"], quality["q8_0"]["area_mm2"]);

  // Again: nothing quantized or measured anew, the same table.
  const auto stamp = fs::last_write_time(by_scheme["mix36"]);
  const std::string first = read_all(out);
  r = run_etchsim(sweep, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fs::last_write_time(by_scheme["mix36"]), stamp);
  EXPECT_EQ(cached_models(cache).size(), 2u);
  EXPECT_TRUE(contains(r.err, "cached")) << r.err;
  const auto again = nlohmann::json::parse(read_all(out));
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(again[i]["quality.perplexity"], rows[i]["quality.perplexity"]);
    EXPECT_EQ(again[i]["cycles_total"], rows[i]["cycles_total"]);
  }
}

TEST(CliSweepSchemes, BadSchemeSweepsNameTheProblemAndWriteNothing) {
  ScratchDir dir("sweep-schemes-bad");
  const fs::path out = dir.path() / "s.csv";
  const std::string cache = " --quant-cache " + (dir.path() / "cache").string();
  struct Case {
    std::string args;
    std::string message;
  };
  const Case cases[] = {
      {kStories + " --vary scheme=q4_k_m", "--vary scheme 'q4_k_m' is not one quantize writes"},
      {kStories + " --vary scheme=q8_0,nope", "--vary scheme 'nope'"},
      {"--shape tiny --vary scheme=q8_0", "--vary scheme=... quantizes a model file"},
      {"--shape tiny --vary clock_mhz=500 --text " + kText, "--text measures a model file"},
      {kStories + " --vary scheme=q8_0 --ctx 32", "--ctx and --chunks set how --text is scored"},
  };
  for (const Case& c : cases) {
    const auto r = run_etchsim("sweep " + c.args + cache + " -o " + out.string(), dir.path());
    EXPECT_EQ(r.exit_code, 1) << c.args << "\n" << r.err;
    EXPECT_TRUE(contains(r.err, c.message)) << c.args << "\n" << r.err;
    EXPECT_FALSE(fs::exists(out)) << c.args;
    EXPECT_FALSE(fs::exists(dir.path() / "cache")) << c.args;
  }
}

}  // namespace
}  // namespace etchsim::cli::testing
