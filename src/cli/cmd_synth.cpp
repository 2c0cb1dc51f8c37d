// `etchsim synth`: a random-weight Llama GGUF of a named or custom shape.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <system_error>

#include "etchsim/cli/commands.hpp"
#include "etchsim/model/synth.hpp"
#include "human_units.hpp"
#include "progress_line.hpp"

namespace etchsim::cli {
namespace {

struct SynthArgs {
  std::string shape = "tiny";
  std::string quant = "q8_0";
  std::string vocab = "gpt2";
  uint64_t seed = 1;
  std::string out;
  std::optional<uint32_t> n_layer, n_embd, n_head, n_head_kv, n_ff, n_vocab, n_ctx;
  std::optional<float> rope_base;
  std::optional<bool> rope_freqs;
};

model::SynthOptions resolve(const SynthArgs& a) {
  auto shape = model::named_shape(a.shape);
  if (!shape) {
    throw std::invalid_argument(fmt::format("unknown --shape '{}' (known: {})", a.shape,
                                            fmt::join(model::shape_names(), ", ")));
  }
  auto override_field = [&](auto& field, const auto& value) {
    if (value) {
      field = *value;
      shape->name = "custom";
    }
  };
  override_field(shape->n_layer, a.n_layer);
  override_field(shape->n_embd, a.n_embd);
  override_field(shape->n_head, a.n_head);
  override_field(shape->n_head_kv, a.n_head_kv);
  override_field(shape->n_ff, a.n_ff);
  override_field(shape->n_vocab, a.n_vocab);
  override_field(shape->n_ctx, a.n_ctx);
  override_field(shape->rope_freq_base, a.rope_base);
  override_field(shape->rope_freqs, a.rope_freqs);
  shape->validate();

  const auto quant = model::quant_scheme_from_name(a.quant);
  if (!quant) {
    throw std::invalid_argument(fmt::format("unknown --quant '{}' (known: {})", a.quant,
                                            fmt::join(model::quant_scheme_names(), ", ")));
  }
  return model::SynthOptions{
      .shape = *shape,
      .quant = *quant,
      .vocab = a.vocab == "spm" ? model::VocabKind::SentencePiece : model::VocabKind::Gpt2Bpe,
      .seed = a.seed};
}

// Files smaller than this write in well under a second: no progress line.
constexpr uint64_t kProgressMinBytes = uint64_t{256} << 20;

// One warning per distinct fallback reason, not one per tensor.
void warn_about_fallbacks(const std::vector<model::TensorPlan>& plan) {
  std::map<std::string, std::vector<std::string>> by_note;
  for (const auto& t : plan) {
    if (!t.note.empty()) by_note[t.note].push_back(t.name);
  }
  for (const auto& [note, names] : by_note) {
    spdlog::warn("{} tensor(s), e.g. {}: {}", names.size(), names.front(), note);
  }
}

int run_synth(const SynthArgs& args) {
  const model::SynthOptions options = resolve(args);
  warn_about_fallbacks(model::plan_tensors(options));
  const auto start = std::chrono::steady_clock::now();
  ProgressLine progress("synth");
  model::synth_model(options, args.out, [&](uint64_t done, uint64_t total) {
    if (total >= kProgressMinBytes) progress.update(done, total);
  });
  progress.finish();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::error_code no_size;  // a device such as /dev/null has none
  const auto bytes = std::filesystem::file_size(args.out, no_size);
  fmt::print("wrote {}: {} shape, {} weights, {} parameters", args.out, options.shape.name,
             model::quant_scheme_name(options.quant), human_count(options.shape.n_params()));
  if (no_size) {
    fmt::print(" in {:.1f} s\n", secs);
  } else {
    fmt::print(", {} in {:.1f} s ({:.2f} GB/s)\n", human_bytes(bytes), secs,
               static_cast<double>(bytes) / 1e9 / secs);
  }
  return 0;
}

}  // namespace

CommandRunner register_synth(CLI::App& app) {
  auto args = std::make_shared<SynthArgs>();
  app.add_option("-o,--output", args->out, "Output GGUF file")->required();
  app.add_option(
         "--shape", args->shape,
         fmt::format("Named shape to start from: {}", fmt::join(model::shape_names(), ", ")))
      ->capture_default_str();
  app.add_option("--quant", args->quant,
                 "Weight types: f32, f16, q8_0, q4_0, q4_k, q3_k, q6_k, or mix36 (Q3_K, with Q6_K "
                 "for attn_v, ffn_down and output)")
      ->capture_default_str();
  app.add_option("--vocab", args->vocab,
                 "Tokenizer: gpt2 (byte-level BPE, Llama 3 pre-tokenizer) or spm (SentencePiece)")
      ->check(CLI::IsMember({"gpt2", "spm"}))
      ->capture_default_str();
  app.add_option("--seed", args->seed, "Seed of the random weights")->capture_default_str();
  auto* custom = app.add_option_group("custom shape", "Override fields of --shape");
  custom->add_option("--layers", args->n_layer, "Number of layers (llama.block_count)");
  custom->add_option("--embd", args->n_embd, "Embedding width (llama.embedding_length)");
  custom->add_option("--heads", args->n_head, "Attention heads");
  custom->add_option("--kv-heads", args->n_head_kv, "KV heads (GQA)");
  custom->add_option("--ff", args->n_ff, "Feed-forward width");
  custom->add_option("--vocab-size", args->n_vocab, "Vocabulary size (>= 256 + special tokens)");
  custom->add_option("--ctx", args->n_ctx, "Context length (llama.context_length)");
  custom->add_option("--rope-base", args->rope_base, "RoPE frequency base");
  custom->add_option("--rope-freqs", args->rope_freqs,
                     "Write Llama 3.1's rope_freqs tensor (true/false)");
  return [args] { return run_synth(*args); };
}

}  // namespace etchsim::cli
