// llama-perplexity's log_softmax variants (perplexity.cpp), operation for operation.
#include "etchsim/quality/token_scores.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace etchsim::quality {
namespace {

// ggml's nearest_int (round half to even through the float mantissa), as perplexity.cpp has it.
int nearest_int(float v) {
  const float shifted = v + 12582912.0f;
  int32_t bits = 0;
  std::memcpy(&bits, &shifted, sizeof bits);
  return (bits & 0x007fffff) - 0x00400000;
}

double sum_exp_from(std::span<const float> logits, float max_logit) {
  double sum = 0.0;
  for (const float l : logits) sum += std::exp(l - max_logit);  // expf, widened per term
  return sum;
}

}  // namespace

double token_nll(std::span<const float> logits, int32_t token) {
  float max_logit = logits[0];
  for (const float l : logits) max_logit = std::max(max_logit, l);
  const double sum_exp = sum_exp_from(logits, max_logit);
  const float shifted = logits[static_cast<size_t>(token)] - max_logit;
  return -(static_cast<double>(shifted) - std::log(sum_exp));
}

CompressedLogProbs compress_log_probs(std::span<const float> logits) {
  float max_logit = logits[0], min_logit = logits[0];
  for (size_t i = 1; i < logits.size(); ++i) {
    max_logit = std::max(max_logit, logits[i]);
    min_logit = std::min(min_logit, logits[i]);
  }
  min_logit = std::max(min_logit, max_logit - 16.0f);
  const auto log_sum_exp = static_cast<float>(std::log(sum_exp_from(logits, max_logit)));
  CompressedLogProbs c;
  c.min_log_prob = min_logit - max_logit - log_sum_exp;
  c.scale = (max_logit - min_logit) / 65535.0f;
  c.q.assign(logits.size(), 0);
  if (c.scale != 0.0f) {
    const float inv_scale = 1.0f / c.scale;
    for (size_t i = 0; i < logits.size(); ++i) {
      if (logits[i] > min_logit) {
        c.q[i] = static_cast<uint16_t>(nearest_int(inv_scale * (logits[i] - min_logit)));
      }
    }
  }
  return c;
}

KlPoint kl_point(std::span<const float> logits, const CompressedLogProbs& base, int32_t token) {
  float max_logit = logits[0];
  size_t imax = 0;
  for (size_t i = 1; i < logits.size(); ++i) {
    if (logits[i] > max_logit) {
      max_logit = logits[i];
      imax = i;
    }
  }
  const auto log_sum_exp = static_cast<float>(std::log(sum_exp_from(logits, max_logit)));
  const auto tok = static_cast<size_t>(token);
  KlPoint p;
  p.nll = max_logit + log_sum_exp - logits[tok];
  p.nll_base = -base.log_prob(tok);
  const float log_norm = max_logit + log_sum_exp;  // log p(i) = logits[i] - log_norm
  size_t imax_base = 0;
  float top_base = 0.0f;
  for (size_t i = 0; i < logits.size(); ++i) {
    const float lp_base = base.log_prob(i);
    if (i == 0 || lp_base > top_base) {
      top_base = lp_base;
      imax_base = i;
    }
    if (lp_base > -16.0f) p.kld += std::exp(lp_base) * (lp_base - logits[i] + log_norm);
  }
  p.same_top = imax == imax_base;
  return p;
}

}  // namespace etchsim::quality
