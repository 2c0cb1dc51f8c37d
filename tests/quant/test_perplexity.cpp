// quality/: llama-perplexity's per-token arithmetic and chunking over golden models. That the
// numbers equal llama-perplexity's is tests/quant/perplexity_oracle.mjs's job (label reference);
// here they are checked against an independent double-precision computation.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "etchsim/model/tokenizer.hpp"
#include "etchsim/quality/perplexity.hpp"
#include "etchsim/quality/token_scores.hpp"

namespace etchsim::quality {
namespace {

// Options with the golden defaults (designated initializers would leave `golden` unnamed).
PerplexityOptions options(int n_ctx, int n_chunks = -1) {
  PerplexityOptions o;
  o.n_ctx = n_ctx;
  o.n_chunks = n_chunks;
  return o;
}

namespace fs = std::filesystem;
const fs::path kStories = fs::path(ETCHSIM_SOURCE_DIR) / "models" / "stories260K.gguf";
const fs::path kText = fs::path(ETCHSIM_SOURCE_DIR) / "models" / "eval-stories.txt";

double log_softmax_double(const std::vector<float>& logits, int32_t token) {
  double max = logits[0];
  for (float l : logits) max = std::max(max, double{l});
  double sum = 0.0;
  for (float l : logits) sum += std::exp(double{l} - max);
  return double{logits[static_cast<size_t>(token)]} - max - std::log(sum);
}

TEST(TokenScores, NllIsMinusLogSoftmax) {
  const std::vector<float> logits{1.0f, 2.0f, 3.0f, -1.0f};
  EXPECT_NEAR(token_nll(logits, 2), -log_softmax_double(logits, 2), 1e-6);
  EXPECT_NEAR(token_nll(logits, 3), -log_softmax_double(logits, 3), 1e-6);
}

TEST(TokenScores, CompressedLogProbsKeepSixteenNats) {
  const std::vector<float> logits{0.0f, -3.0f, 5.0f, -40.0f, 4.5f};
  const CompressedLogProbs c = compress_log_probs(logits);
  const float step = c.scale;  // (max - (max - 16)) / 65535
  EXPECT_NEAR(step, 16.0f / 65535.0f, 1e-9f);
  for (size_t i = 0; i < logits.size(); ++i) {
    const double want = std::max(log_softmax_double(logits, static_cast<int32_t>(i)),
                                 log_softmax_double(logits, 2) - 16.0);
    EXPECT_NEAR(c.log_prob(i), want, step) << i;
  }
}

TEST(TokenScores, KlOfADistributionWithItselfIsAboutZero) {
  const std::vector<float> logits{0.5f, 2.0f, -1.0f, 1.9f, 0.0f};
  const KlPoint p = kl_point(logits, compress_log_probs(logits), 1);
  EXPECT_NEAR(p.kld, 0.0, 1e-4);  // the 16-bit compression's error only
  EXPECT_TRUE(p.same_top);
  EXPECT_NEAR(p.nll, p.nll_base, 1e-3);
  // Against a different distribution: the exact KL within the compression's error.
  const std::vector<float> other{0.0f, 0.0f, 0.0f, 3.0f, 0.0f};
  const KlPoint q = kl_point(other, compress_log_probs(logits), 1);
  double kl = 0.0;
  for (size_t i = 0; i < logits.size(); ++i) {
    const double lp = log_softmax_double(logits, static_cast<int32_t>(i));
    kl += std::exp(lp) * (lp - log_softmax_double(other, static_cast<int32_t>(i)));
  }
  EXPECT_NEAR(q.kld, kl, 1e-3);
  EXPECT_FALSE(q.same_top);
}

std::vector<int32_t> story_tokens(const model::Tokenizer& tok) {
  std::ifstream in(kText, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return tok.encode(s.str(), true, false);
}

// The chunking, BOS and scored half, recomputed from golden logits in double.
TEST(Perplexity, ScoresTheSecondHalfOfEachChunkFromBos) {
  const gguf::GgufFile file = gguf::GgufFile::open(kStories);
  const model::Tokenizer tok = model::Tokenizer::from_gguf(file);
  const std::vector<int32_t> tokens = story_tokens(tok);
  ASSERT_GT(tokens.size(), 200u);
  const int n_ctx = 32;
  const PerplexityResult r = perplexity(file, tokens, tok.bos(), options(n_ctx, 3));
  EXPECT_EQ(r.n_chunks, 3);
  EXPECT_EQ(r.n_scored, 3 * (n_ctx / 2 - 1));
  ASSERT_EQ(r.ppl_after_chunk.size(), 3u);

  golden::GoldenModel g(file, {.n_ctx = n_ctx});
  double nll = 0.0;
  for (int c = 0; c < 3; ++c) {
    g.reset();
    for (int j = 0; j < n_ctx - 1; ++j) {
      const int32_t in = j == 0 ? tok.bos() : tokens[static_cast<size_t>(c * n_ctx + j)];
      const std::vector<float> logits = g.evaluate(in);
      if (j >= n_ctx / 2)
        nll -= log_softmax_double(logits, tokens[static_cast<size_t>(c * n_ctx + j + 1)]);
    }
  }
  EXPECT_NEAR(r.ppl.value, std::exp(nll / static_cast<double>(r.n_scored)), 1e-9 * r.ppl.value);
  EXPECT_GT(r.ppl.uncertainty, 0.0);
  EXPECT_EQ(r.ppl_after_chunk.back(), r.ppl.value);
}

TEST(Perplexity, AgainstItselfKlIsZeroAndTopsAgree) {
  const gguf::GgufFile file = gguf::GgufFile::open(kStories);
  const model::Tokenizer tok = model::Tokenizer::from_gguf(file);
  const std::vector<int32_t> tokens = story_tokens(tok);
  const PerplexityResult r = perplexity(file, tokens, tok.bos(), options(16, 2), &file);
  ASSERT_TRUE(r.kl.has_value());
  EXPECT_NEAR(r.kl->kld.value, 0.0, 1e-4);
  EXPECT_EQ(r.kl->same_top.value, 1.0);
  EXPECT_NEAR(r.kl->ppl_base.value, r.ppl.value, 1e-3 * r.ppl.value);
}

TEST(Perplexity, RefusesShortTextsAndBadOptions) {
  const gguf::GgufFile file = gguf::GgufFile::open(kStories);
  const std::vector<int32_t> tokens(100, 5);
  EXPECT_THROW(perplexity(file, tokens, 1, options(64)), std::invalid_argument);  // < 128
  EXPECT_THROW(perplexity(file, tokens, 1, options(3)), std::invalid_argument);
  EXPECT_THROW(perplexity(file, tokens, 1, options(4096)), std::invalid_argument);  // > 2048
  EXPECT_THROW(perplexity(file, tokens, 1, options(16, 0)), std::invalid_argument);
  std::vector<int32_t> bad(tokens);
  bad[40] = 512;  // vocabulary of 512
  EXPECT_THROW(perplexity(file, bad, 1, options(16)), std::invalid_argument);
}

}  // namespace
}  // namespace etchsim::quality
