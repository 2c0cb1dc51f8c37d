// `etchsim perplexity`: perplexity (and, against a base model, KL divergence and top-1
// agreement) of a text under a model with the chip's numerics, as llama-perplexity computes them
// (quality/perplexity.hpp).
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <tbb/global_control.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>

#include "etchsim/cli/commands.hpp"
#include "etchsim/gguf/reader.hpp"
#include "etchsim/model/tokenizer.hpp"
#include "etchsim/quality/perplexity.hpp"
#include "eval_text.hpp"
#include "progress_line.hpp"

namespace etchsim::cli {
namespace {

struct PerplexityArgs {
  std::string model;
  std::string text;
  int n_ctx = 512;
  int n_chunks = -1;
  std::optional<std::string> base;
  bool json = false;
  std::string kv = "f16";
  std::string profile = "haswell";
  int threads = 0;
};

numerics::KvType kv_type(const std::string& name) {
  if (name == "f32") return numerics::KvType::F32;
  if (name == "i8") return numerics::KvType::I8;
  return numerics::KvType::F16;
}

nlohmann::json estimate_json(const quality::Estimate& e) {
  return {{"value", e.value}, {"uncertainty", e.uncertainty}};
}

void print_json(const PerplexityArgs& args, const quality::PerplexityResult& r) {
  nlohmann::json j{{"model", args.model},
                   {"text", args.text},
                   {"text_tokens", r.n_text_tokens},
                   {"ctx", r.n_ctx},
                   {"chunks", r.n_chunks},
                   {"scored_tokens", r.n_scored},
                   {"mean_nll", r.mean_nll},
                   {"ppl", estimate_json(r.ppl)},
                   {"ppl_after_chunk", r.ppl_after_chunk},
                   {"kv", args.kv},
                   {"numerics", args.profile}};
  if (r.kl) {
    j["base"] = *args.base;
    j["kl"] = {{"kld", estimate_json(r.kl->kld)},
               {"kld_max", r.kl->kld_max},
               {"same_top", estimate_json(r.kl->same_top)},
               {"ppl_base", estimate_json(r.kl->ppl_base)},
               {"ln_ppl_ratio", r.kl->ln_ppl_ratio.value}};
  }
  fmt::print("{}\n", j.dump(2));
}

void print_text(const quality::PerplexityResult& r) {
  std::string running;
  for (size_t i = 0; i < r.ppl_after_chunk.size(); ++i) {
    running += fmt::format("[{}]{:.4f},", i + 1, r.ppl_after_chunk[i]);
  }
  fmt::print("{}\n", running);
  fmt::print("Final estimate: PPL = {:.4f} +/- {:.5f}  ({} chunks of {} tokens, {} scored)\n",
             r.ppl.value, r.ppl.uncertainty, r.n_chunks, r.n_ctx, r.n_scored);
  if (r.kl) {
    fmt::print("Mean PPL(base)     : {:10.6f} +/- {:10.6f}\n", r.kl->ppl_base.value,
               r.kl->ppl_base.uncertainty);
    fmt::print("Mean ln(PPL/base)  : {:10.6f}\n", r.kl->ln_ppl_ratio.value);
    fmt::print("Mean KLD           : {:10.6f} +/- {:10.6f}  (max {:.6f})\n", r.kl->kld.value,
               r.kl->kld.uncertainty, r.kl->kld_max);
    fmt::print("Same top p         : {:6.3f} +/- {:6.3f} %\n", 100.0 * r.kl->same_top.value,
               100.0 * r.kl->same_top.uncertainty);
  }
}

int run_perplexity(const PerplexityArgs& args) {
  std::optional<tbb::global_control> threads;
  if (args.threads > 0) {
    threads.emplace(tbb::global_control::max_allowed_parallelism,
                    static_cast<size_t>(args.threads));
  }
  const gguf::GgufFile file = gguf::GgufFile::open(args.model);
  std::optional<gguf::GgufFile> base;
  if (args.base) base.emplace(gguf::GgufFile::open(*args.base));
  const model::Tokenizer tokenizer = model::Tokenizer::from_gguf(file);
  const std::string text = read_eval_text(args.text);
  // llama-perplexity: common_tokenize(text, add_special = true, parse_special = false).
  const std::vector<int32_t> tokens = tokenizer.encode(text, true, false);
  const int32_t bos = tokenizer.add_bos() ? tokenizer.bos() : -1;

  const quality::PerplexityOptions options{
      .n_ctx = args.n_ctx,
      .n_chunks = args.n_chunks,
      .golden = golden::GoldenOptions{.kv_type = kv_type(args.kv),
                                      .profile = *numerics::parse_cpu_profile(args.profile)}};
  const auto start = std::chrono::steady_clock::now();
  ProgressLine progress("perplexity");
  const quality::PerplexityResult r = quality::perplexity(
      file, tokens, bos, options, base ? &*base : nullptr, [&](int done, int total, double ppl) {
        progress.update_items(static_cast<uint64_t>(done), static_cast<uint64_t>(total),
                              fmt::format("PPL {:.4f}", ppl));
      });
  progress.finish();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  spdlog::info("perplexity: {} tokens in the text, {} chunks of {}, {:.1f} s", r.n_text_tokens,
               r.n_chunks, r.n_ctx, secs);
  if (args.json) {
    print_json(args, r);
  } else {
    print_text(r);
  }
  return 0;
}

}  // namespace

CommandRunner register_perplexity(CLI::App& app) {
  auto args = std::make_shared<PerplexityArgs>();
  app.add_option("model", args->model, "GGUF model file")->required()->check(CLI::ExistingFile);
  app.add_option("--text", args->text, "Text file to score (UTF-8)")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--ctx", args->n_ctx,
                 "Chunk length in tokens (llama-perplexity -c); the second half of each is scored")
      ->check(CLI::Range(4, 1 << 24))
      ->capture_default_str();
  app.add_option("--chunks", args->n_chunks, "Score at most K chunks (default: all that fit)")
      ->check(CLI::Range(1, 1 << 30));
  app.add_option("--base", args->base,
                 "Base model (e.g. the unquantized file): also KL divergence and top-1 agreement")
      ->check(CLI::ExistingFile);
  app.add_flag("--json", args->json, "Print one JSON object instead of text");
  app.add_option("--kv", args->kv, "KV cache element type")
      ->check(CLI::IsMember({"f16", "f32", "i8"}))
      ->capture_default_str();
  app.add_option("--numerics", args->profile,
                 "Which llama.cpp CPU build's roundings to emulate: haswell (AVX2) or zen4")
      ->check(CLI::IsMember({"haswell", "zen4"}))
      ->capture_default_str();
  app.add_option("--threads", args->threads, "Worker threads (default: all cores)")
      ->check(CLI::PositiveNumber);
  return [args] { return run_perplexity(*args); };
}

}  // namespace etchsim::cli
