#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "etchsim/arch/chip_config.hpp"
#include "etchsim/arch/config_error.hpp"
#include "etchsim/arch/pipeline_timing.hpp"

namespace etchsim::arch {
namespace {

using gguf::GgmlType;

// llama-3.1-8b with the 3/6-bit mix of `etchsim synth --quant mix36` (model/synth.hpp):
// Q3_K except attn_v, ffn_down and output in Q6_K.
WeightTypes mix36() {
  WeightTypes t = WeightTypes::uniform(GgmlType::Q3_K);
  t.v = t.down = t.output = GgmlType::Q6_K;
  return t;
}

TEST(Estimate, LayerSumsItsUnits) {
  const ChipConfig c = load_config(std::string(ETCHSIM_SOURCE_DIR) + "/configs/hc1.toml");
  const auto shape = *model::named_shape("llama-3.1-8b");
  const StageTiming layer = layer_timing(c, shape, mix36(), 1024, false);
  uint64_t sum = 0, worst = 0;
  for (const auto& u : layer.units) {
    sum += u.timing.latency;
    worst = std::max(worst, u.timing.interval);
  }
  EXPECT_EQ(layer.units.size(), 15u);
  EXPECT_EQ(layer.latency, sum);
  EXPECT_EQ(layer.interval, worst);
  EXPECT_EQ(worst, 448u);  // down: 14336 / 32 lanes
  EXPECT_THROW(layer_timing(c, shape, WeightTypes::uniform(GgmlType::F16), 1, false), ConfigError);
}

TEST(Estimate, Hc1Llama8bLandsNearThePublishedRate) {
  const ChipConfig c = load_config(std::string(ETCHSIM_SOURCE_DIR) + "/configs/hc1.toml");
  const auto shape = *model::named_shape("llama-3.1-8b");
  const TokenTiming at1k = token_timing(c, shape, mix36(), 1024);
  const double per_user_1k = c.clock_hz() / static_cast<double>(at1k.latency);
  const Estimate e = estimate(c, shape, mix36(), Workload{1024, 1024});
  std::fprintf(stderr,
               "hc1 + llama-3.1-8b mix36: token latency at 1k context %llu cycles = %.0f tok/s "
               "per user; 1k+1k workload: %.0f tok/s per user, TTFT %.3f ms, %llu users fit "
               "(%.0f MiB KV each), aggregate %.0f tok/s\n",
               static_cast<unsigned long long>(at1k.latency), per_user_1k, e.tokens_per_s_per_user,
               e.ttft_s * 1e3, static_cast<unsigned long long>(e.max_users),
               static_cast<double>(e.kv_bytes_per_user) / 1048576.0, e.tokens_per_s_aggregate);
  // Published ~17,000 on 1k + 1k (docs/anchors.md §1); the first cut is within ~25%.
  EXPECT_GT(per_user_1k, 12000.0);
  EXPECT_LT(per_user_1k, 25000.0);
  EXPECT_GT(e.tokens_per_s_per_user, 0.75 * 17000.0);
  EXPECT_LT(e.tokens_per_s_per_user, 1.25 * 17000.0);
  EXPECT_LT(e.tokens_per_s_per_user, per_user_1k);      // context grows past 1k while decoding
  EXPECT_EQ(e.kv_bytes_per_user, 2048ull * 64 * 1056);  // 66 KiB per token at i8 (hc1)
  EXPECT_EQ(e.max_users, 1u);                           // 144 MiB holds one 1k + 1k user
}

TEST(Estimate, MoreLanesAreFaster) {
  ChipConfig c = load_config(std::string(ETCHSIM_SOURCE_DIR) + "/configs/hc1.toml");
  const auto shape = *model::named_shape("llama-3.1-8b");
  const uint64_t base = token_timing(c, shape, mix36(), 512).latency;
  apply_override(c, "datapath.activation_lanes=64");
  EXPECT_LT(token_timing(c, shape, mix36(), 512).latency, base);
}

}  // namespace
}  // namespace etchsim::arch
