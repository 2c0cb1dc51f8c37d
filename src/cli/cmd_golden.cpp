// `etchsim golden`: the golden forward pass over a GGUF model — teacher-forced log-probabilities of
// a prompt and greedy or seeded generation.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "etchsim/cli/commands.hpp"
#include "etchsim/gguf/reader.hpp"
#include "etchsim/golden/golden_model.hpp"
#include "etchsim/golden/sampling.hpp"
#include "etchsim/model/lora_adapter.hpp"
#include "etchsim/model/tokenizer.hpp"
#include "golden_output.hpp"
#include "number_checks.hpp"
#include "sampling_options.hpp"
#include "token_input.hpp"

namespace etchsim::cli {
namespace {

struct GoldenArgs {
  std::string model;
  std::optional<std::string> prompt;
  std::optional<std::string> tokens;
  int n_generate = -1;  // -1: -n not given
  bool logprobs = false;
  bool json = false;
  bool ignore_eos = false;
  std::string kv = "f16";
  std::string profile{numerics::cpu_profile_name(numerics::kDefaultCpuProfile)};
  int n_ctx = 0;
  int threads = 0;
  std::optional<std::string> lora;
  float lora_scale = 1.0f;
  golden::SamplingParams sampling;
};

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

numerics::KvType kv_type(const std::string& name) {
  if (name == "f32") return numerics::KvType::F32;
  if (name == "i8") return numerics::KvType::I8;
  return numerics::KvType::F16;
}

// Logs progress on stderr for long runs: at most one line per 10% of the steps.
class StepProgress {
 public:
  StepProgress(int total, bool enabled) : m_total(total), m_enabled(enabled) {}
  void step(int done) {
    if (!m_enabled || done * 10 / m_total == m_last_decile) return;
    m_last_decile = done * 10 / m_total;
    spdlog::info("golden: {}/{} tokens evaluated, {:.1f} s", done, m_total, seconds_since(m_start));
  }

 private:
  int m_total;
  bool m_enabled;
  int m_last_decile = 0;
  Clock::time_point m_start = Clock::now();
};

// A model this large takes seconds per token: worth progress lines.
constexpr uint64_t kProgressModelBytes = uint64_t{256} << 20;

int run_golden(const GoldenArgs& args) {
  std::optional<tbb::global_control> threads;
  if (args.threads > 0) {
    threads.emplace(tbb::global_control::max_allowed_parallelism,
                    static_cast<size_t>(args.threads));
  }
  const gguf::GgufFile file = gguf::GgufFile::open(args.model);
  const std::unique_ptr<model::Tokenizer> tokenizer = load_tokenizer(file, args.prompt.has_value());

  if ((args.prompt ? *args.prompt : *args.tokens).empty()) {
    throw std::invalid_argument(args.prompt ? "the prompt text is empty"
                                            : "the token list is empty");
  }
  GoldenResult result;
  result.tokens = args.prompt ? tokenizer->encode(*args.prompt) : parse_token_list(*args.tokens);
  if (result.tokens.empty()) throw std::invalid_argument("the prompt has no tokens");
  const int n_generate = std::max(args.n_generate, 0);
  const int64_t needed = static_cast<int64_t>(result.tokens.size()) + n_generate;
  const model::LlamaHparams hp = model::hparams_from_gguf(file);
  const int64_t limit = args.n_ctx > 0 ? args.n_ctx : static_cast<int64_t>(hp.shape.n_ctx);
  if (needed > limit) {
    throw std::invalid_argument(fmt::format(
        "the prompt ({} tokens) plus {} generated tokens exceed the context of {} tokens",
        result.tokens.size(), n_generate, limit));
  }
  // --lora: the adapter is checked against the base model here (clear errors before any work).
  std::optional<gguf::GgufFile> lora_file;
  std::optional<model::LlamaModel> lora_base;
  std::optional<model::LoraAdapter> lora;
  if (args.lora) {
    lora_file.emplace(gguf::GgufFile::open(*args.lora));
    lora_base.emplace(file);
    lora.emplace(*lora_file, *lora_base);
    spdlog::info("golden: LoRA {}: {} matrices, rank {}, alpha {}, scale {}", *args.lora,
                 lora->n_weights(), lora->rank(), lora->alpha(), lora->scale(args.lora_scale));
  }
  // The KV cache holds exactly what this run needs unless --ctx asks for more.
  golden::GoldenModel golden(
      file, golden::GoldenOptions{.kv_type = kv_type(args.kv),
                                  .n_ctx = static_cast<int>(args.n_ctx > 0 ? limit : needed),
                                  .profile = *numerics::parse_cpu_profile(args.profile),
                                  .lora = lora ? &*lora : nullptr,
                                  .lora_scale = args.lora_scale});

  StepProgress progress(static_cast<int>(needed), file.file_size() >= kProgressModelBytes);
  const auto prompt_start = Clock::now();
  std::vector<float> logits;
  // Prompt tokens in batches (the same bits as one at a time; golden_model.hpp).
  const std::span<const int32_t> prompt(result.tokens);
  for (size_t begin = 0; begin < prompt.size(); begin += golden::GoldenModel::kPrefillBatch) {
    const size_t n = std::min(golden::GoldenModel::kPrefillBatch, prompt.size() - begin);
    std::vector<std::vector<float>> batch = golden.evaluate(prompt.subspan(begin, n));
    if (args.logprobs) {
      for (const std::vector<float>& l : batch) result.logprobs.push_back(golden::log_softmax(l));
    }
    logits = std::move(batch.back());
    progress.step(golden.n_past());
  }
  const double prompt_secs = seconds_since(prompt_start);
  spdlog::info("golden: prompt {} tokens in {:.3f} s ({:.2f} tokens/s)", result.tokens.size(),
               prompt_secs, static_cast<double>(result.tokens.size()) / prompt_secs);

  if (args.n_generate >= 0) {
    golden::Sampler sampler(args.sampling);
    std::vector<int32_t>& generated = result.generated.emplace();
    const auto decode_start = Clock::now();
    int decoded = 0;  // evaluations after the prompt
    while (static_cast<int>(generated.size()) < n_generate) {
      if (!generated.empty()) {
        logits = golden.evaluate(generated.back());
        ++decoded;
        progress.step(golden.n_past());
      }
      generated.push_back(sampler.sample(logits));
      if (!args.ignore_eos && tokenizer && tokenizer->is_eog(generated.back())) break;
    }
    const double decode_secs = seconds_since(decode_start);
    if (decoded > 0) {
      spdlog::info("golden: decode {} tokens in {:.3f} s ({:.3f} tokens/s)", decoded, decode_secs,
                   decoded / decode_secs);
    }
  }

  if (args.json) {
    print_golden_json(result);
  } else {
    print_golden_text(result, tokenizer.get());
  }
  return 0;
}

}  // namespace

CommandRunner register_golden(CLI::App& app) {
  auto args = std::make_shared<GoldenArgs>();
  app.add_option("model", args->model, "GGUF model file")->required()->check(CLI::ExistingFile);
  auto* prompt = app.add_option("--prompt", args->prompt,
                                "Prompt text, tokenized with the model's tokenizer (BOS as its "
                                "metadata says)");
  auto* tokens = app.add_option("--tokens", args->tokens, "Prompt as token ids: 1,2,3");
  prompt->excludes(tokens);
  tokens->excludes(prompt);
  app.add_option("-n", args->n_generate,
                 "Generate N tokens after the prompt (greedy unless --temp > 0)")
      ->check(non_negative_number());
  app.add_flag("--logprobs", args->logprobs,
               "Log-softmax over the whole vocabulary after each prompt token");
  app.add_flag("--json", args->json,
               "Print one JSON object {\"tokens\", \"logprobs\", \"generated\"}");
  app.add_flag("--ignore-eos", args->ignore_eos,
               "Keep generating after an end-of-generation token");
  app.add_option("--kv", args->kv, "KV cache element type")
      ->check(CLI::IsMember({"f16", "f32", "i8"}))
      ->capture_default_str();
  app.add_option("--numerics", args->profile,
                 "Which llama.cpp CPU build's roundings to emulate: haswell (AVX2) or zen4 "
                 "(AVX-512); fixed, not detected from this machine")
      ->check(CLI::IsMember({"haswell", "zen4"}))
      ->capture_default_str();
  app.add_option("--ctx", args->n_ctx,
                 "Context size (KV cache positions); default: prompt + generated tokens")
      ->check(positive_number());
  app.add_option("--threads", args->threads, "Worker threads (default: all cores)")
      ->check(positive_number());
  add_sampling_options(app, args->sampling, "Seed of the sampler");
  auto* lora = app.add_option("--lora", args->lora,
                              "LoRA adapter GGUF (llama.cpp format) applied to every token")
                   ->check(CLI::ExistingFile);
  app.add_option("--lora-scale", args->lora_scale,
                 "The adapter's scale (llama.cpp's; times alpha / rank when alpha != 0)")
      ->needs(lora)
      ->capture_default_str();
  app.callback([prompt, tokens] {
    if (prompt->count() == 0 && tokens->count() == 0) {
      throw CLI::RequiredError("--prompt or --tokens");
    }
  });
  return [args] { return run_golden(*args); };
}

}  // namespace etchsim::cli
