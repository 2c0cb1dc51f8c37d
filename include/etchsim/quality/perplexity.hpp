// `etchsim perplexity`: the perplexity of a text under a model evaluated with the chip's numerics
// (golden/, bit-exact with the chip), computed as llama.cpp's llama-perplexity computes it:
// the tokenized text (BOS first when the vocabulary adds one) is cut into chunks of n_ctx
// tokens (the tail that does not fill a chunk is dropped); each chunk is evaluated from an empty
// KV cache with its first token replaced by BOS (when the vocabulary adds one); the second half
// of each chunk is scored: the logits at positions n_ctx/2 .. n_ctx-2 against the next token,
// n_ctx/2 - 1 predictions per chunk. PPL = exp(mean NLL). With a base model, also the KL
// divergence of the model's next-token distributions from the base model's and how often their
// top tokens agree, as llama-perplexity --kl-divergence computes them (token_scores.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "etchsim/gguf/reader.hpp"
#include "etchsim/golden/golden_model.hpp"

namespace etchsim::quality {

struct PerplexityOptions {
  int n_ctx = 512;               // llama-perplexity's default -c
  int n_chunks = -1;             // at most this many chunks; -1: all that fit
  golden::GoldenOptions golden;  // numerics; its n_ctx is set to n_ctx
};

// A mean with its standard error (llama-perplexity's mean_and_uncertainty).
struct Estimate {
  double value = 0.0;
  double uncertainty = 0.0;
};

struct KlResult {
  Estimate kld;           // mean KL divergence, nats per token
  Estimate same_top;      // fraction of positions whose top tokens agree
  Estimate ppl_base;      // the base model's perplexity over the same positions
  Estimate ln_ppl_ratio;  // mean ln(PPL(model) / PPL(base)) (per-token NLL difference)
  double kld_max = 0.0;
};

struct PerplexityResult {
  int64_t n_text_tokens = 0;  // the whole text, BOS included
  int n_ctx = 0;
  int n_chunks = 0;
  int64_t n_scored = 0;  // predictions scored
  Estimate ppl;          // exp(mean NLL) ± its standard error
  double mean_nll = 0.0;
  std::vector<double> ppl_after_chunk;  // llama-perplexity's running [i] values
  std::optional<KlResult> kl;
};

// After each chunk: chunks done, chunks in all, the running perplexity.
using ChunkProgress = std::function<void(int done, int total, double ppl)>;

// `tokens` is the tokenized text; `bos` the token put first in every chunk, or -1 for none.
// Throws std::invalid_argument when n_ctx is not in [4, the model's context length], n_chunks is
// 0 or below -1, the text has fewer than 2 n_ctx tokens (llama-perplexity's requirement), a
// token id is outside the vocabulary, or the base model's vocabulary size differs.
PerplexityResult perplexity(const gguf::GgufFile& model, std::span<const int32_t> tokens,
                            int32_t bos, const PerplexityOptions& options,
                            const gguf::GgufFile* base = nullptr,
                            const ChunkProgress& progress = {});

}  // namespace etchsim::quality
