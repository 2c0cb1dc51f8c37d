// Bit-exact functional test: the chip's logits and tokens equal golden/'s for
// several shapes, every weight scheme, 1 and 4 users with prompts of different lengths.
#include <gtest/gtest.h>

#include <cstring>
#include <tuple>

#include "chip_test_models.hpp"
#include "etchsim/gguf/reader.hpp"
#include "etchsim/golden/golden_model.hpp"
#include "etchsim/golden/sampling.hpp"
#include "etchsim/sim/run.hpp"

namespace etchsim::chip {
namespace {

using testing::synth;

void expect_chip_equals_golden(const model::LlamaShape& shape, model::QuantScheme scheme,
                               std::vector<sim::UserRequest> users,
                               golden::SamplingParams sampling = {}, double kv_capacity_mib = 0) {
  const auto path = synth(shape, scheme);
  const gguf::GgufFile file = gguf::GgufFile::open(path);
  sim::RunOptions o;
  o.model_name = path.string();
  o.shape = shape;
  o.config = testing::tiny_config();
  if (kv_capacity_mib > 0) o.config.kv_sram.capacity_mib = kv_capacity_mib;
  o.mode = sim::Mode::Functional;
  o.users = users;
  o.sampling = sampling;
  o.keep_logits = true;
  const sim::RunResult result = sim::run(o, &file);
  ASSERT_EQ(result.users.size(), users.size());
  for (size_t u = 0; u < users.size(); ++u) {
    golden::SamplingParams user_sampling = sampling;
    user_sampling.seed += u;  // user u samples with seed + u (sim/run.hpp)
    const testing::GoldenRun g =
        testing::golden_run(file, users[u].prompt, users[u].n_generate, user_sampling);
    const sim::UserResult& chip = result.users[u];
    EXPECT_EQ(chip.tokens, g.generated) << "user " << u;
    ASSERT_EQ(chip.logits.size(), g.logits.size()) << "user " << u;
    for (size_t i = 0; i < g.logits.size(); ++i) {
      ASSERT_EQ(chip.logits[i].size(), g.logits[i].size());
      EXPECT_EQ(std::memcmp(chip.logits[i].data(), g.logits[i].data(),
                            g.logits[i].size() * sizeof(float)),
                0)
          << "user " << u << ", logits row " << i << " differ from golden's";
    }
  }
}

std::vector<int32_t> prompt(size_t n, int32_t first) {
  std::vector<int32_t> p;
  for (size_t i = 0; i < n; ++i) p.push_back(static_cast<int32_t>((first + 37 * i) % 500));
  return p;
}

using Case = std::tuple<int, model::QuantScheme, int>;  // shape (0 gqa, 1 kquant), scheme, users

class ChipBitExact : public ::testing::TestWithParam<Case> {};

TEST_P(ChipBitExact, LogitsAndTokensEqualGolden) {
  const auto [shape_index, scheme, n_users] = GetParam();
  const model::LlamaShape shape = shape_index == 0 ? testing::gqa_shape() : testing::kquant_shape();
  std::vector<sim::UserRequest> users;
  for (int u = 0; u < n_users; ++u) {
    // Prompts of different lengths: 5, 2, 7, 3 tokens; 6, 4, 5, 3 generated.
    const size_t lengths[] = {5, 2, 7, 3};
    const uint32_t generated[] = {6, 4, 5, 3};
    users.push_back({prompt(lengths[u], 11 * u + 1), generated[u]});
  }
  expect_chip_equals_golden(shape, scheme, users);
}

INSTANTIATE_TEST_SUITE_P(
    Schemes, ChipBitExact,
    ::testing::Combine(::testing::Values(0, 1),
                       ::testing::Values(model::QuantScheme::F32, model::QuantScheme::F16,
                                         model::QuantScheme::Q8_0, model::QuantScheme::Q4_0,
                                         model::QuantScheme::Q4_K, model::QuantScheme::Q3_K,
                                         model::QuantScheme::Q6_K, model::QuantScheme::Mix36),
                       ::testing::Values(1, 4)),
    [](const ::testing::TestParamInfo<Case>& param_info) {
      return std::string(std::get<0>(param_info.param) == 0 ? "gqa3_" : "k256_") +
             std::string(model::quant_scheme_name(std::get<1>(param_info.param))) + "_" +
             std::to_string(std::get<2>(param_info.param)) + "users";
    });

// llama-quantize's mixtures give layers different types (Q4_K_M on 4 layers: attn_v and ffn_down
// Q6_K in layers 2 and 3 only; Q3_K_M: attn_v Q5_K in layers 0 and 1, Q4_K after): every layer
// stage runs its own types and the chip still equals golden bit for bit.
model::LlamaShape four_layers() {
  model::LlamaShape shape = testing::kquant_shape();
  shape.name = "chip-k256-4layers";
  shape.n_layer = 4;
  return shape;
}

TEST(ChipBitExact, Q4KMWithPerLayerTypesEqualsGolden) {
  expect_chip_equals_golden(four_layers(), model::QuantScheme::Q4_K_M,
                            {{prompt(5, 1), 5}, {prompt(3, 12), 4}});
}

TEST(ChipBitExact, Q3KMWithPerLayerTypesEqualsGolden) {
  expect_chip_equals_golden(four_layers(), model::QuantScheme::Q3_K_M,
                            {{prompt(5, 1), 5}, {prompt(3, 12), 4}});
}

TEST(ChipBitExact, SeededSamplingEqualsGolden) {
  expect_chip_equals_golden(
      testing::kquant_shape(), model::QuantScheme::Q4_K, {{prompt(4, 3), 8}, {prompt(6, 9), 8}},
      golden::SamplingParams{.temperature = 0.8f, .top_k = 40, .top_p = 0.95f, .seed = 1234});
}

// A KV SRAM for one user at a time: the later users queue and reuse sequence 0, and still sample
// with seed + their own index (the host writes SEQ_SEED) and get their own logits rows.
TEST(ChipBitExact, QueuedUsersKeepTheirSeeds) {
  const model::LlamaShape shape = testing::gqa_shape();
  // gqa: 2 layers x K,V x 2 KV heads x 16 x f16 = 256 B per position; 12 positions fit.
  expect_chip_equals_golden(
      shape, model::QuantScheme::Q8_0, {{prompt(4, 3), 6}, {prompt(5, 9), 6}, {prompt(3, 2), 6}},
      golden::SamplingParams{.temperature = 0.9f, .top_k = 20, .top_p = 0.9f, .seed = 77},
      12.0 * 256 / 1048576.0);
}

}  // namespace
}  // namespace etchsim::chip
