// llama-perplexity's perplexity() and kl_divergence() loops over golden models (one token at a
// time, as llama-perplexity -b 1 -ub 1 evaluates).
#include "etchsim/quality/perplexity.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>

#include "etchsim/model/llama_model.hpp"
#include "etchsim/quality/token_scores.hpp"

namespace etchsim::quality {
namespace {

// llama-perplexity's mean_and_uncertainty: no uncertainty from 10 values or fewer.
Estimate mean_and_uncertainty(double sum, double sum2, int64_t count) {
  if (count < 1) return {};
  const auto n = static_cast<double>(count);
  const double f = sum / n;
  const double var = sum2 / n - f * f;
  return {f, var > 0.0 && count > 10 ? std::sqrt(var / (n - 1.0)) : 0.0};
}

struct KlSums {
  double nll = 0.0, nll2 = 0.0, nll_base = 0.0, nll_base2 = 0.0;
  double kld = 0.0, kld2 = 0.0, kld_max = 0.0;
  int64_t same_top = 0, count = 0;

  void add(const KlPoint& p) {
    nll += p.nll;
    nll2 += static_cast<double>(p.nll * p.nll);
    nll_base += p.nll_base;
    nll_base2 += static_cast<double>(p.nll_base * p.nll_base);
    kld += p.kld;
    kld2 += p.kld * p.kld;
    kld_max = std::max(kld_max, p.kld);
    same_top += p.same_top ? 1 : 0;
    ++count;
  }
  KlResult result() const {
    KlResult r;
    r.kld = mean_and_uncertainty(kld, kld2, count);
    const double top = static_cast<double>(same_top) / static_cast<double>(count);
    r.same_top = {top,
                  count > 1 ? std::sqrt(top * (1.0 - top) / static_cast<double>(count - 1)) : 0.0};
    const Estimate log_base = mean_and_uncertainty(nll_base, nll_base2, count);
    r.ppl_base = {std::exp(log_base.value), std::exp(log_base.value) * log_base.uncertainty};
    const Estimate log_q = mean_and_uncertainty(nll, nll2, count);
    r.ln_ppl_ratio = {log_q.value - log_base.value, 0.0};
    r.kld_max = kld_max;
    return r;
  }
};

void check_options(const gguf::GgufFile& model, std::span<const int32_t> tokens,
                   const PerplexityOptions& options, int64_t n_ctx_train) {
  if (options.n_ctx < 4 || options.n_ctx > n_ctx_train) {
    throw std::invalid_argument(fmt::format(
        "--ctx {} is out of range: a chunk needs at least 4 tokens and at most the model's "
        "context length {} ({})",
        options.n_ctx, n_ctx_train, model.name()));
  }
  if (options.n_chunks == 0 || options.n_chunks < -1) {
    throw std::invalid_argument(
        fmt::format("--chunks {} is out of range (at least 1)", options.n_chunks));
  }
  if (static_cast<int64_t>(tokens.size()) < 2 * int64_t{options.n_ctx}) {
    throw std::invalid_argument(fmt::format(
        "the text has {} tokens; perplexity with --ctx {} needs at least {} (two chunks, as "
        "llama-perplexity requires): give a longer text or a smaller --ctx",
        tokens.size(), options.n_ctx, 2 * options.n_ctx));
  }
}

}  // namespace

PerplexityResult perplexity(const gguf::GgufFile& model, std::span<const int32_t> tokens,
                            int32_t bos, const PerplexityOptions& options,
                            const gguf::GgufFile* base, const ChunkProgress& progress) {
  const model::LlamaHparams hp = model::hparams_from_gguf(model);
  check_options(model, tokens, options, static_cast<int64_t>(hp.shape.n_ctx));
  const int n_ctx = options.n_ctx;
  golden::GoldenOptions golden_options = options.golden;
  golden_options.n_ctx = n_ctx;
  golden::GoldenModel golden(model, golden_options);
  std::optional<golden::GoldenModel> golden_base;
  if (base != nullptr) {
    golden_base.emplace(*base, golden_options);
    if (golden_base->n_vocab() != golden.n_vocab()) {
      throw std::invalid_argument(
          fmt::format("the base model {} has a vocabulary of {} tokens, the model {} one of {}: KL "
                      "divergence needs the same vocabulary",
                      base->name(), golden_base->n_vocab(), model.name(), golden.n_vocab()));
    }
  }
  const int n_vocab = golden.n_vocab();
  for (const int32_t t : tokens) {
    if (t < 0 || t >= n_vocab) {
      throw std::invalid_argument(
          fmt::format("token id {} is outside the vocabulary of {}", t, n_vocab));
    }
  }

  const int n_chunk_max = static_cast<int>(tokens.size() / static_cast<size_t>(n_ctx));
  const int n_chunk = options.n_chunks < 0 ? n_chunk_max : std::min(options.n_chunks, n_chunk_max);
  const int first = n_ctx / 2;

  PerplexityResult r;
  r.n_text_tokens = static_cast<int64_t>(tokens.size());
  r.n_ctx = n_ctx;
  r.n_chunks = n_chunk;
  double nll = 0.0, nll2 = 0.0;
  KlSums kl;
  for (int c = 0; c < n_chunk; ++c) {
    const std::span<const int32_t> chunk = tokens.subspan(
        static_cast<size_t>(c) * static_cast<size_t>(n_ctx), static_cast<size_t>(n_ctx));
    golden.reset();
    if (golden_base) golden_base->reset();
    for (int j = 0; j < n_ctx - 1; ++j) {
      const int32_t input = j == 0 && bos >= 0 ? bos : chunk[static_cast<size_t>(j)];
      const std::vector<float> logits = golden.evaluate(input);
      std::vector<float> base_logits;
      if (golden_base) base_logits = golden_base->evaluate(input);
      if (j < first) continue;
      const int32_t next = chunk[static_cast<size_t>(j) + 1];
      const double v = token_nll(logits, next);
      nll += v;
      nll2 += v * v;
      ++r.n_scored;
      if (golden_base) kl.add(kl_point(logits, compress_log_probs(base_logits), next));
    }
    r.ppl_after_chunk.push_back(std::exp(nll / static_cast<double>(r.n_scored)));
    if (progress) progress(c + 1, n_chunk, r.ppl_after_chunk.back());
  }
  // llama-perplexity's final estimate: exp(mean) ± ppl * sqrt(var / (count - 1)).
  const auto count = static_cast<double>(r.n_scored);
  r.mean_nll = nll / count;
  const double var = nll2 / count - r.mean_nll * r.mean_nll;
  const double ppl = std::exp(r.mean_nll);
  r.ppl = {ppl, var > 0.0 ? std::sqrt(var / (count - 1.0)) * ppl : 0.0};
  if (golden_base) r.kl = kl.result();
  return r;
}

}  // namespace etchsim::quality
