#include "sweep_schemes.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "etchsim/gguf/reader.hpp"
#include "etchsim/io/output_path.hpp"
#include "etchsim/model/tokenizer.hpp"
#include "etchsim/quality/perplexity.hpp"
#include "etchsim/quant/requantize.hpp"
#include "eval_text.hpp"
#include "progress_line.hpp"

namespace etchsim::cli {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

// FNV-1a 64-bit (Fowler, Noll, Vo): offset basis 0xcbf29ce484222325, prime 0x100000001b3.
constexpr uint64_t kFnvBasis = 0xcbf29ce484222325ull;
constexpr uint64_t kFnvPrime = 0x100000001b3ull;

uint64_t fnv1a(std::string_view bytes, uint64_t h = kFnvBasis) {
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= kFnvPrime;
  }
  return h;
}

// Files smaller than this quantize in well under a second: no progress line.
constexpr uint64_t kProgressMinBytes = uint64_t{32} << 20;

// Bits per weight of a file: its tensor data over its parameters, as `etchsim quantize` reports.
double bits_per_weight(const gguf::GgufFile& file) {
  uint64_t bytes = 0;
  uint64_t params = 0;
  for (const gguf::TensorInfo& t : file.tensors()) {
    bytes += t.nbytes;
    params += static_cast<uint64_t>(t.n_elements());
  }
  return params ? 8.0 * static_cast<double>(bytes) / static_cast<double>(params) : 0.0;
}

}  // namespace

model::QuantScheme parse_quantize_scheme(std::string_view name, std::string_view option) {
  const auto scheme = model::quant_scheme_from_name(name);
  if (scheme && !model::is_llama_mixture(*scheme)) return *scheme;
  std::vector<std::string> own;  // etchsim's schemes; the mixtures are llama-quantize's
  for (const std::string& n : model::quant_scheme_names()) {
    if (!model::is_llama_mixture(*model::quant_scheme_from_name(n))) own.push_back(n);
  }
  throw std::invalid_argument(fmt::format("{} '{}' is not one quantize writes (known: {})", option,
                                          name, fmt::join(own, ", ")));
}

uint64_t file_hash(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("cannot read {}", path.string()));
  std::vector<char> buffer(size_t{1} << 20);
  uint64_t h = kFnvBasis;
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    h = fnv1a(std::string_view(buffer.data(), static_cast<size_t>(in.gcount())), h);
  }
  if (in.bad()) throw std::runtime_error(fmt::format("error reading {}", path.string()));
  return h;
}

fs::path default_quant_cache() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    return fs::path(xdg) / "etchsim" / "quantized";
  }
  if (const char* home = std::getenv("HOME"); home && *home) {
    return fs::path(home) / ".cache" / "etchsim" / "quantized";
  }
  throw std::invalid_argument("neither XDG_CACHE_HOME nor HOME is set: give --quant-cache DIR");
}

SchemeModels::SchemeModels(fs::path model, fs::path cache)
    : m_model(std::move(model)), m_cache(std::move(cache)) {}

const std::string& SchemeModels::key() {
  if (m_key.empty()) m_key = fmt::format("{:016x}", file_hash(m_model));
  return m_key;
}

fs::path SchemeModels::file(const std::string& scheme) {
  if (scheme.empty()) return m_model;
  if (const auto it = m_files.find(scheme); it != m_files.end()) return it->second;
  const model::QuantScheme s = parse_quantize_scheme(scheme, "--vary scheme");
  const fs::path out = m_cache / fmt::format("{}-{}.gguf", key(), model::quant_scheme_name(s));
  if (fs::exists(out)) {
    spdlog::info("sweep: {} in {}: cached", scheme, out.string());
    return m_files[scheme] = out;
  }
  fs::create_directories(m_cache);
  const gguf::GgufFile in = gguf::GgufFile::open(m_model);
  ProgressLine progress(fmt::format("quantize {}", scheme));
  const quant::RequantizeSummary summary = quant::requantize(
      in, out, quant::RequantizeOptions{.scheme = s}, [&](uint64_t done, uint64_t total) {
        if (total >= kProgressMinBytes) progress.update(done, total);
      });
  progress.finish();
  spdlog::info("sweep: quantized {} into {} ({:.3f} bits/weight, {} of {} tensors by a fallback)",
               m_model.string(), out.string(), summary.bits_per_weight(), summary.n_fallback,
               summary.n_requantized);
  return m_files[scheme] = out;
}

Json SchemeModels::quality(const std::string& scheme, const QualityOptions& options) {
  const std::string text = read_eval_text(options.text);
  const fs::path model_file = file(scheme);
  const fs::path cached = m_cache / fmt::format("{}-{}.quality-{:016x}-ctx{}-chunks{}.json", key(),
                                                scheme.empty() ? "asis" : scheme, fnv1a(text),
                                                options.n_ctx, options.n_chunks);
  if (fs::exists(cached)) {
    std::ifstream in(cached);
    std::stringstream ss;
    ss << in.rdbuf();
    try {
      return Json::parse(ss.str());
    } catch (const std::exception&) {
      spdlog::warn("sweep: {} is unreadable; measuring again", cached.string());
    }
  }
  const gguf::GgufFile file = gguf::GgufFile::open(model_file);
  std::optional<gguf::GgufFile> base;
  if (!scheme.empty()) base.emplace(gguf::GgufFile::open(m_model));
  const model::Tokenizer tokenizer = model::Tokenizer::from_gguf(file);
  // As `etchsim perplexity` (and llama-perplexity): special tokens added, not parsed.
  const std::vector<int32_t> tokens = tokenizer.encode(text, true, false);
  const int32_t bos = tokenizer.add_bos() ? tokenizer.bos() : -1;
  ProgressLine progress(fmt::format("perplexity {}", scheme.empty() ? "model" : scheme));
  const quality::PerplexityResult r = quality::perplexity(
      file, tokens, bos,
      quality::PerplexityOptions{
          .n_ctx = options.n_ctx, .n_chunks = options.n_chunks, .golden = {}},
      base ? &*base : nullptr, [&](int done, int total, double ppl) {
        progress.update_items(static_cast<uint64_t>(done), static_cast<uint64_t>(total),
                              fmt::format("PPL {:.4f}", ppl));
      });
  progress.finish();
  Json q{{"bits_per_weight", bits_per_weight(file)},
         {"perplexity", r.ppl.value},
         {"perplexity_uncertainty", r.ppl.uncertainty},
         {"text_tokens", r.n_text_tokens},
         {"ctx", r.n_ctx},
         {"chunks", r.n_chunks},
         {"scored_tokens", r.n_scored}};
  if (r.kl) {
    q["kl_divergence"] = r.kl->kld.value;
    q["kl_divergence_uncertainty"] = r.kl->kld.uncertainty;
    q["top1_agreement"] = r.kl->same_top.value;
    q["base_perplexity"] = r.kl->ppl_base.value;
  }
  fs::create_directories(m_cache);
  // Written under a temporary name and renamed: concurrent sweeps (Slurm tasks) sharing the cache
  // never read half a file.
  io::write_file_atomically(cached, q.dump(2) + "\n");
  return q;
}

}  // namespace etchsim::cli
