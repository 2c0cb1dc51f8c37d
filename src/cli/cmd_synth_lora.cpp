// `etchsim synth-lora`: a LoRA adapter GGUF with seeded random weights for a base model (its
// file, or a named shape for timing runs without one).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "etchsim/cli/commands.hpp"
#include "etchsim/gguf/reader.hpp"
#include "etchsim/model/llama_model.hpp"
#include "etchsim/model/lora_adapter.hpp"
#include "etchsim/model/lora_synth.hpp"

namespace etchsim::cli {
namespace {

struct SynthLoraArgs {
  std::optional<std::string> base;
  std::optional<std::string> shape;
  std::string out;
  int64_t rank = 8;
  std::string targets = "attn_q,attn_v";
  std::optional<float> alpha;
  std::string type = "f32";
  uint64_t seed = 1;
  std::string layers = "all";
  bool zero_b = false;
};

std::vector<model::LoraRole> parse_targets(const std::string& text) {
  std::vector<model::LoraRole> roles;
  std::string_view rest = text;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    const std::optional<model::LoraRole> role = model::lora_role_from_name(item);
    if (!role) {
      throw std::invalid_argument(fmt::format(
          "unknown --targets entry '{}' (known: attn_q, attn_k, attn_v, attn_output, ffn_gate, "
          "ffn_up, ffn_down; token_embd and output adapters are not supported)",
          item));
    }
    roles.push_back(*role);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
  }
  if (roles.empty()) throw std::invalid_argument("--targets is empty");
  return roles;
}

size_t parse_index(std::string_view text) {
  size_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) {
    throw std::invalid_argument(fmt::format("--layers: '{}' is not a layer index", text));
  }
  return value;
}

// "all", "N" or "A-B" (inclusive) -> [begin, end).
std::pair<size_t, size_t> parse_layers(const std::string& text) {
  if (text == "all") return {0, SIZE_MAX};
  const size_t dash = text.find('-');
  if (dash == std::string::npos) {
    const size_t n = parse_index(text);
    return {n, n + 1};
  }
  const size_t a = parse_index(std::string_view(text).substr(0, dash));
  const size_t b = parse_index(std::string_view(text).substr(dash + 1));
  if (b < a) throw std::invalid_argument(fmt::format("--layers {}: the range is reversed", text));
  return {a, b + 1};
}

model::LlamaShape base_shape(const SynthLoraArgs& args) {
  if (args.base) return model::LlamaModel(gguf::GgufFile::open(*args.base)).shape();
  if (!args.shape) throw std::invalid_argument("give the base model (BASE.gguf) or --shape");
  const std::optional<model::LlamaShape> shape = model::named_shape(*args.shape);
  if (!shape) {
    throw std::invalid_argument(fmt::format("--shape: unknown shape '{}' (known: {})", *args.shape,
                                            fmt::join(model::shape_names(), ", ")));
  }
  return *shape;
}

int run_synth_lora(const SynthLoraArgs& args) {
  const model::LlamaShape base = base_shape(args);
  const auto type = gguf::type_from_name(args.type);
  if (!type) throw std::invalid_argument(fmt::format("unknown --type '{}'", args.type));
  const auto [begin, end] = parse_layers(args.layers);
  if (begin >= base.n_layer) {
    throw std::invalid_argument(
        fmt::format("--layers {}: the model has {} layers", args.layers, base.n_layer));
  }
  const model::LoraSynthOptions options{.rank = args.rank,
                                        .targets = parse_targets(args.targets),
                                        .alpha = args.alpha.value_or(static_cast<float>(args.rank)),
                                        .type = *type,
                                        .seed = args.seed,
                                        .layer_begin = begin,
                                        .layer_end = end,
                                        .zero_b = args.zero_b};
  const model::LoraSynthResult result = model::synth_lora(base, options, args.out);
  for (const std::string& note : result.notes) spdlog::warn("{}", note);
  // Read it back: the file must be an adapter etchsim (and so llama.cpp) accepts for this base.
  const gguf::GgufFile written = gguf::GgufFile::open(args.out);
  const model::LoraAdapter adapter(written, base);
  fmt::print("wrote {}: LoRA rank {}, alpha {}, {} matrices ({} tensors), scale at 1.0 = {}\n",
             args.out, adapter.rank(), adapter.alpha(), adapter.n_weights(), result.n_tensors,
             adapter.scale(1.0f));
  return 0;
}

}  // namespace

CommandRunner register_synth_lora(CLI::App& app) {
  auto args = std::make_shared<SynthLoraArgs>();
  auto* base = app.add_option("base", args->base, "Base model GGUF the adapter is for")
                   ->check(CLI::ExistingFile);
  auto* shape = app.add_option("--shape", args->shape,
                               fmt::format("Instead of a base file: a named shape ({}), for "
                                           "`etchsim run --shape` timing runs",
                                           fmt::join(model::shape_names(), ", ")));
  base->excludes(shape);
  shape->excludes(base);
  app.add_option("-o,--output", args->out, "Output adapter GGUF file")->required();
  app.add_option("--rank", args->rank, "LoRA rank r")->capture_default_str();
  app.add_option("--targets", args->targets,
                 "Adapted matrices, comma-separated: attn_q, attn_k, attn_v, attn_output, "
                 "ffn_gate, ffn_up, ffn_down")
      ->capture_default_str();
  app.add_option("--alpha", args->alpha,
                 "adapter.lora.alpha (scale = user scale * alpha / rank; 0 = user scale); "
                 "default: the rank");
  app.add_option("--type", args->type,
                 "Tensor type: f32, f16, bf16 or q8_0 (q8_0 rows that are not whole blocks, e.g. "
                 "B with r = 8, fall back to f16)")
      ->check(CLI::IsMember({"f32", "f16", "bf16", "q8_0"}))
      ->capture_default_str();
  app.add_option("--seed", args->seed, "Seed of the random weights")->capture_default_str();
  app.add_option("--layers", args->layers, "Adapted layers: all, N or A-B (inclusive)")
      ->capture_default_str();
  app.add_flag("--zero-b", args->zero_b, "Write B = 0: an adapter that changes nothing (tests)");
  return [args] { return run_synth_lora(*args); };
}

}  // namespace etchsim::cli
