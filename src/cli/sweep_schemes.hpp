// `etchsim sweep --vary scheme=...` (docs/sweep.md): the model file quantized into each weight
// scheme once (with `etchsim quantize`'s code), cached in a directory under a name keyed by the
// input file's content hash and the scheme, and, with --text, the quality of each scheme's file
// (perplexity, and KL divergence and top-1 agreement against the input file) as
// `etchsim perplexity` computes it, cached beside it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "etchsim/model/quant_scheme.hpp"

namespace etchsim::cli {

// One of the schemes `etchsim quantize` writes (etchsim's own, not llama-quantize's mixtures).
// Throws std::invalid_argument naming `option`, the value and the known names.
model::QuantScheme parse_quantize_scheme(std::string_view name, std::string_view option);

// FNV-1a 64 of a file's bytes (a cache key, not a security hash). Throws on a read error.
uint64_t file_hash(const std::filesystem::path& path);

struct QualityOptions {
  std::string text;   // the text file
  int n_ctx = 512;    // as `etchsim perplexity --ctx`
  int n_chunks = -1;  // as `etchsim perplexity --chunks`; -1: all that fit
};

class SchemeModels {
 public:
  // `model`: the input file (F32/F16/BF16/Q8_0 weights when a scheme is asked for); `cache`:
  // the directory of quantized files (created when needed).
  SchemeModels(std::filesystem::path model, std::filesystem::path cache);

  // The file a point runs: the model quantized into `scheme` (made on first use, reused after),
  // or the model itself when `scheme` is empty.
  std::filesystem::path file(const std::string& scheme);

  // The quality of file(scheme) on the text: {bits_per_weight, perplexity,
  // perplexity_uncertainty, text_tokens, ctx, chunks, scored_tokens} and, for a scheme, against
  // the input file: {kl_divergence, kl_divergence_uncertainty, top1_agreement,
  // base_perplexity}. Cached beside the quantized file, keyed by the text's hash, ctx and chunks.
  nlohmann::ordered_json quality(const std::string& scheme, const QualityOptions& options);

 private:
  const std::string& key();

  std::filesystem::path m_model;
  std::filesystem::path m_cache;
  std::string m_key;  // the input file's hash, hex; computed on first use
  std::map<std::string, std::filesystem::path> m_files;  // schemes already made or found
};

// The default cache directory: $XDG_CACHE_HOME/etchsim/quantized, else
// $HOME/.cache/etchsim/quantized. Throws std::invalid_argument when neither is set.
std::filesystem::path default_quant_cache();

}  // namespace etchsim::cli
