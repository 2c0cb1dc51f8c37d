// Greedy and seeded sampling, log-softmax.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "etchsim/golden/sampling.hpp"

namespace etchsim::golden {
namespace {

const std::vector<float> kLogits{0.5f, 2.0f, -1.0f, 2.0f, 1.5f, 0.0f, 1.9f, -3.0f};

std::vector<int32_t> draws(const SamplingParams& params, int n) {
  Sampler sampler(params);
  std::vector<int32_t> out;
  for (int i = 0; i < n; ++i) out.push_back(sampler.sample(kLogits));
  return out;
}

TEST(Sampling, ArgmaxTakesTheLowestIndexOnTies) {
  EXPECT_EQ(argmax(kLogits), 1);
  EXPECT_EQ(argmax(std::vector<float>{3.0f, 3.0f}), 0);
  EXPECT_THROW(argmax({}), std::invalid_argument);
}

TEST(Sampling, LogSoftmaxIsNormalised) {
  const auto lp = log_softmax(kLogits);
  double sum = 0.0;
  for (const double v : lp) sum += std::exp(v);
  EXPECT_NEAR(sum, 1.0, 1e-15);
  EXPECT_NEAR(lp[1] - lp[0], 1.5, 1e-12);
}

TEST(Sampling, GreedyWhenTemperatureIsZero) {
  for (const int32_t t : draws({.temperature = 0.0f, .seed = 5}, 10)) EXPECT_EQ(t, 1);
}

TEST(Sampling, SameSeedSameSequence) {
  const SamplingParams params{.temperature = 1.0f, .top_k = 0, .top_p = 1.0f, .seed = 42};
  const auto a = draws(params, 200);
  EXPECT_EQ(a, draws(params, 200));
  EXPECT_NE(a, draws({.temperature = 1.0f, .seed = 43}, 200));
}

// A documented, platform-independent generator: the first draws of seed 42 are fixed (checked
// against an independent Python transcription of sampling.hpp).
TEST(Sampling, SequenceIsPinned) {
  EXPECT_EQ(draws({.temperature = 1.0f, .seed = 42}, 8),
            (std::vector<int32_t>{4, 1, 3, 3, 1, 4, 1, 4}));
}

TEST(Sampling, TopKOneAndTinyTopPAreGreedy) {
  for (const int32_t t : draws({.temperature = 2.0f, .top_k = 1, .seed = 1}, 50)) EXPECT_EQ(t, 1);
  for (const int32_t t : draws({.temperature = 2.0f, .top_p = 1e-6f, .seed = 1}, 50)) {
    EXPECT_EQ(t, 1);  // equal logits 1 and 3: the lower id is the most likely candidate
  }
}

TEST(Sampling, TopKAndTopPRestrictTheCandidates) {
  for (const int32_t t : draws({.temperature = 5.0f, .top_k = 3, .seed = 3}, 300)) {
    EXPECT_TRUE(t == 1 || t == 3 || t == 6) << t;
  }
  // At temperature 1 ids 1, 3 and 6 hold 0.264 + 0.264 + 0.239 = 0.766 >= 0.7: top-p keeps them.
  for (const int32_t t : draws({.temperature = 1.0f, .top_p = 0.7f, .seed = 3}, 300)) {
    EXPECT_TRUE(t == 1 || t == 3 || t == 6) << t;
  }
}

TEST(Sampling, FrequenciesFollowTheDistribution) {
  const std::vector<float> logits{std::log(0.25f), std::log(0.75f)};
  Sampler sampler({.temperature = 1.0f, .seed = 9});
  int ones = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) ones += sampler.sample(logits);
  EXPECT_NEAR(static_cast<double>(ones) / n, 0.75, 0.015);
}

TEST(Sampling, RejectsBadTopP) {
  EXPECT_THROW(Sampler({.temperature = 1.0f, .top_p = 0.0f}), std::invalid_argument);
  EXPECT_THROW(Sampler({.temperature = 1.0f, .top_p = 1.5f}), std::invalid_argument);
}

}  // namespace
}  // namespace etchsim::golden
