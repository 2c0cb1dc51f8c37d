// Per-position scores of a model's next-token distribution, computed with llama.cpp's
// llama-perplexity arithmetic (tools/perplexity/perplexity.cpp) so the sums agree with it:
// the negative log-likelihood of the true next token, and the KL divergence from a base model's
// distribution, which llama-perplexity stores compressed to 16 bits per log-probability (a scale
// and offset per position, log-probabilities below max - 16 clamped to the floor) before
// comparing. etchsim keeps that compression so its KL figures mean what llama.cpp's mean.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace etchsim::quality {

// -log p(token): max and sum of expf(l - max) in double, then l[token] - max - log(sum) (the
// float difference widened to double), negated.
double token_nll(std::span<const float> logits, int32_t token);

// A base distribution as llama-perplexity stores it.
struct CompressedLogProbs {
  float scale = 0.0f;         // (max - min') / 65535, min' = max(min, max - 16)
  float min_log_prob = 0.0f;  // min' - max - log(sum exp(l - max))
  std::vector<uint16_t> q;    // round((l - min') / scale), 0 for l <= min'
  float log_prob(size_t i) const { return scale * static_cast<float>(q[i]) + min_log_prob; }
};
CompressedLogProbs compress_log_probs(std::span<const float> logits);

// One position's KL divergence sum_i p_base(i) (log p_base(i) - log p(i)) over the base
// log-probabilities above -16, whether the two top tokens agree, and both NLLs of the true token
// (as floats, as llama-perplexity's KL mode computes them).
struct KlPoint {
  double kld = 0.0;
  bool same_top = false;
  float nll = 0.0f;
  float nll_base = 0.0f;
};
KlPoint kl_point(std::span<const float> logits, const CompressedLogProbs& base, int32_t token);

}  // namespace etchsim::quality
