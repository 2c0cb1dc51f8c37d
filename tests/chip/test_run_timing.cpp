// Whole-chip timing: one user's decode steps take exactly the cycles of the timing formulas
// (arch::token_timing), and a workload the KV SRAM cannot hold is refused with a clear message.
#include <gtest/gtest.h>

#include <stdexcept>

#include "chip_test_models.hpp"
#include "etchsim/arch/pipeline_timing.hpp"
#include "etchsim/sim/run.hpp"

namespace etchsim::chip {
namespace {

sim::RunOptions flagship(uint32_t prompt, uint32_t generated) {
  sim::RunOptions o;
  o.model_name = "llama-3.1-8b";
  o.shape = *model::named_shape("llama-3.1-8b");
  o.config = arch::load_config(std::filesystem::path(ETCHSIM_SOURCE_DIR) / "configs" / "hc1.toml");
  o.weight_types = arch::WeightTypes{
      gguf::GgmlType::Q3_K, gguf::GgmlType::Q3_K, gguf::GgmlType::Q6_K, gguf::GgmlType::Q3_K,
      gguf::GgmlType::Q3_K, gguf::GgmlType::Q3_K, gguf::GgmlType::Q6_K, gguf::GgmlType::Q6_K};
  o.mode = sim::Mode::Timing;
  std::vector<int32_t> p(prompt);
  for (uint32_t i = 0; i < prompt; ++i) p[i] = static_cast<int32_t>(i);
  o.users = {{p, generated}};
  return o;
}

TEST(ChipTiming, DecodeCyclesEqualTheTimingFormulas) {
  const uint32_t prompt = 20, generated = 6;
  const sim::RunOptions o = flagship(prompt, generated);
  const sim::RunResult r = sim::run(o, nullptr);
  ASSERT_EQ(r.users.size(), 1u);
  const sim::UserResult& u = r.users[0];
  EXPECT_EQ(u.tokens_generated, generated);
  // Generated token i (1 <= i < generated) is fed back at position prompt + i - 1 and attends
  // over prompt + i positions; with one user nothing overlaps it.
  uint64_t decode = 0;
  for (uint32_t i = 1; i < generated; ++i) {
    decode += arch::token_timing(o.config, o.shape, o.weight_types, prompt + i).latency;
  }
  EXPECT_EQ(u.last_token_cycle - u.first_token_cycle, decode);
  // Prefill overlaps prompt tokens, so the first token comes sooner than prompt latencies
  // back to back, and no sooner than one token's latency.
  const uint64_t one = arch::token_timing(o.config, o.shape, o.weight_types, prompt).latency;
  EXPECT_GE(u.ttft_cycles, one);
  EXPECT_LT(u.ttft_cycles, uint64_t{prompt} * one);
  EXPECT_EQ(r.cycles_total, u.last_token_cycle);
  // Every layer saw every token.
  ASSERT_EQ(r.layers.size(), o.shape.n_layer + 1u);
  for (const sim::LayerResult& layer : r.layers) {
    for (const sim::UnitResult& unit : layer.units) EXPECT_EQ(unit.tokens, prompt + generated - 1);
  }
  EXPECT_EQ(r.kv_peak_bytes, uint64_t{prompt + generated - 1} * 32 * 2 * 1056);  // i8 rows
}

// A mixture (llama-quantize's Q4_K_M: attn_v and ffn_down Q6_K in some layers, Q4_K in others):
// each layer stage takes its own types' cycles, so the decode steps equal the per-layer formula,
// which differs from timing every layer as layer 0. A 6-bit code is two cell planes joined by one
// more adder level; with a register after every level that is one more cycle of qkv and down.
TEST(ChipTiming, EachLayerTakesItsOwnTypesCycles) {
  const uint32_t prompt = 8, generated = 4;
  sim::RunOptions o = flagship(prompt, generated);
  o.config.datapath.adder_levels_per_stage = 1;
  arch::WeightTypes plain = arch::WeightTypes::uniform(gguf::GgmlType::Q4_K);
  plain.output = gguf::GgmlType::Q6_K;
  arch::WeightTypes raised = plain;
  raised.v = raised.down = gguf::GgmlType::Q6_K;
  std::vector<arch::WeightTypes> layers(o.shape.n_layer, plain);
  for (uint32_t i = 0; i < 4; ++i) layers[i] = raised;
  o.weight_types = arch::ModelWeightTypes(layers);
  ASSERT_FALSE(o.weight_types.uniform());
  const sim::RunResult r = sim::run(o, nullptr);
  const sim::UserResult& u = r.users.at(0);
  uint64_t decode = 0, as_layer0 = 0, as_plain = 0;
  for (uint32_t i = 1; i < generated; ++i) {
    decode += arch::token_timing(o.config, o.shape, o.weight_types, prompt + i).latency;
    as_layer0 += arch::token_timing(o.config, o.shape, raised, prompt + i).latency;
    as_plain += arch::token_timing(o.config, o.shape, plain, prompt + i).latency;
  }
  EXPECT_EQ(u.last_token_cycle - u.first_token_cycle, decode);
  // qkv and down of the 4 raised layers: one cycle each per decode step.
  EXPECT_EQ(decode, as_plain + 4 * 2 * (generated - 1));
  EXPECT_EQ(as_layer0, as_plain + 32 * 2 * (generated - 1));
  // Cells: 4 layers of Q6_K attn_v / ffn_down, the rest Q4_K.
  const uint64_t down = uint64_t{o.shape.n_embd} * o.shape.n_ff;
  const uint64_t v = uint64_t{o.shape.n_embd_kv()} * o.shape.n_embd;
  EXPECT_GT(r.cells.at("q6_K"), 4 * (down + v));
}

TEST(ChipTiming, PerLayerTypesThatDoNotCoverTheModelAreRefused) {
  sim::RunOptions o = flagship(4, 2);
  arch::WeightTypes raised = arch::WeightTypes::uniform(gguf::GgmlType::Q4_K);
  raised.v = gguf::GgmlType::Q6_K;
  o.weight_types = arch::ModelWeightTypes(
      std::vector<arch::WeightTypes>{arch::WeightTypes::uniform(gguf::GgmlType::Q4_K), raised});
  EXPECT_THROW(sim::run(o, nullptr), std::invalid_argument);
}

TEST(ChipTiming, LockstepGivesTheSameCyclesAsSkip) {
  // The engine is driven by one SystemC process either way; lockstep wakes it every cycle.
  sim::RunOptions o = flagship(6, 3);
  o.clocking = sim::Clocking::Lockstep;
  const sim::RunResult r = sim::run(o, nullptr);
  // Cycles 0 .. cycles_total, and one more the host waits so traces record the last cycle.
  EXPECT_EQ(r.wakes, r.cycles_total + 2);
  uint64_t decode = 0;
  for (uint32_t i = 1; i < 3; ++i) {
    decode += arch::token_timing(o.config, o.shape, o.weight_types, 6 + i).latency;
  }
  EXPECT_EQ(r.users[0].last_token_cycle - r.users[0].first_token_cycle, decode);
}

sim::RunOptions crowded(const std::string& admission) {
  sim::RunOptions o;
  o.model_name = "tiny";
  o.shape = *model::named_shape("tiny");
  o.config = testing::tiny_config();
  o.config.kv_sram.capacity_mib = 0.25;  // 1024 positions of 256 B
  o.config.serving.admission = admission;
  o.mode = sim::Mode::Timing;
  o.users = {{{1, 2, 3}, 500}, {{4, 5}, 500}, {{6}, 100}};  // 503 + 502 + 101 positions
  return o;
}

TEST(ChipTiming, RequestTheKvSramCannotHoldNowIsQueued) {
  const sim::RunResult r = sim::run(crowded("queue"), nullptr);
  ASSERT_EQ(r.users.size(), 3u);
  EXPECT_EQ(r.requests_done, 3u);
  EXPECT_EQ(r.peak_users, 2u);
  // User 2 waits until user 1 (the shorter of the two) closes its sequence.
  EXPECT_EQ(r.users[2].admitted_cycle, r.users[1].closed_cycle);
  EXPECT_GE(r.users[2].admitted_cycle, r.users[1].last_token_cycle);
  EXPECT_EQ(r.users[2].tokens_generated, 100u);
}

TEST(ChipTiming, RequestTheKvSramCannotHoldNowIsRefusedByPolicy) {
  const sim::RunResult r = sim::run(crowded("refuse"), nullptr);
  EXPECT_EQ(r.requests_done, 2u);
  EXPECT_EQ(r.requests_refused, 1u);
  EXPECT_EQ(r.users[2].status, "refused");
  EXPECT_EQ(r.users[2].tokens_generated, 0u);
}

TEST(ChipTiming, RequestLargerThanTheWholeKvSramIsAnError) {
  sim::RunOptions o = crowded("queue");
  o.config.kv_sram.capacity_mib = 0.05;  // 204 positions
  try {
    sim::run(o, nullptr);
    FAIL() << "the run should be refused";
  } catch (const std::invalid_argument& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("user 0 can never be admitted"), std::string::npos) << message;
    EXPECT_NE(message.find("KV SRAM"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace etchsim::chip
