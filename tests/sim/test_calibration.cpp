// The HC1 calibration (docs/validation.md): configs/hc1.toml on the llama-3.1-8b shape with the
// mix36 weights, one user, 1024-token prompt + 1024 generated — exactly `etchsim run` with no
// arguments — lands within the windows around Taalas' published figures
// (docs/anchors.md §1): ~17,000 tokens/s per user (+-10%), ~53 B transistors (+-15%),
// 815 mm^2 (+-15%), ~200 W per card (+-30%).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "etchsim/arch/chip_config.hpp"
#include "etchsim/model/llama_shape.hpp"
#include "etchsim/sim/run.hpp"

namespace etchsim::sim {
namespace {

TEST(Calibration, Hc1FlagshipLandsOnThePublishedFigures) {
  RunOptions o;
  o.model_name = "llama-3.1-8b";
  o.shape = *model::named_shape("llama-3.1-8b");
  o.config = arch::load_config(std::filesystem::path(ETCHSIM_SOURCE_DIR) / "configs" / "hc1.toml");
  // mix36: Q3_K everywhere but attn_v, ffn_down and output in Q6_K.
  arch::WeightTypes mix36 = arch::WeightTypes::uniform(gguf::GgmlType::Q3_K);
  mix36.v = mix36.down = mix36.output = gguf::GgmlType::Q6_K;
  o.weight_types = mix36;
  o.mode = Mode::Timing;
  std::vector<int32_t> prompt(1024);
  for (int32_t i = 0; i < 1024; ++i) prompt[static_cast<size_t>(i)] = i;
  o.users = {{prompt, 1024}};
  const RunResult r = run(o, nullptr);
  std::fprintf(stderr,
               "hc1 flagship: %.0f tokens/s per user, %.2f B transistors, %.1f mm^2, %.1f W\n",
               r.tokens_per_s_per_user, r.area.transistors / 1e9, r.area.mm2, r.power_w);
  EXPECT_NEAR(r.tokens_per_s_per_user, 17000.0, 0.10 * 17000.0);
  EXPECT_NEAR(r.area.transistors, 53e9, 0.15 * 53e9);
  EXPECT_NEAR(r.area.mm2, 815.0, 0.15 * 815.0);
  EXPECT_NEAR(r.power_w, 200.0, 0.30 * 200.0);
  // The report's energy figures agree with each other.
  const double seconds = static_cast<double>(r.cycles_total) / r.clock_hz;
  EXPECT_NEAR(r.power_w * seconds, r.energy_j.total(), 1e-9 * r.energy_j.total());
  EXPECT_NEAR(r.energy_j_per_token * static_cast<double>(r.tokens_generated), r.energy_j.total(),
              1e-9 * r.energy_j.total());
  EXPECT_NEAR(r.tokens_per_joule * r.energy_j_per_token, 1.0, 1e-12);
  // KV activity: every token of 2047 wrote a K and a V row in each of 32 layers, and read the
  // rows of every position up to its own.
  const uint64_t row_bits = 8 * (128 * 8 + 32);
  EXPECT_EQ(r.kv_bits_written, 2047ull * 32 * 2 * row_bits);
  EXPECT_EQ(r.kv_bits_read, (2047ull * 2048 / 2) * 32 * 2 * row_bits);
}

}  // namespace
}  // namespace etchsim::sim
