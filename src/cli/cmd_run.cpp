// `etchsim run`: builds the chip for a model (a GGUF file, or a named shape in timing mode) and a
// chip configuration, runs the users' prompts through it and prints the tokens and a summary
// table; --report writes the JSON report (docs/run.md).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "etchsim/arch/chip_config.hpp"
#include "etchsim/cli/commands.hpp"
#include "etchsim/gguf/reader.hpp"
#include "etchsim/model/llama_model.hpp"
#include "etchsim/model/synth.hpp"
#include "etchsim/sim/report.hpp"
#include "etchsim/sim/run.hpp"
#include "etchsim/sim/workload.hpp"
#include "etchsim/trace/ranges.hpp"
#include "flagship.hpp"
#include "float_weights.hpp"
#include "number_checks.hpp"
#include "progress_line.hpp"
#include "sampling_options.hpp"
#include "token_input.hpp"

namespace etchsim::cli {
namespace {

struct RunArgs {
  std::optional<std::string> model;
  std::optional<std::string> config;
  std::vector<std::string> sets;
  std::optional<std::string> prompt;
  std::optional<std::string> tokens;
  std::optional<uint32_t> prompt_len;
  std::optional<uint32_t> n_generate;
  uint32_t users = 1;
  std::optional<double> arrival_rate;
  std::optional<std::string> workload;
  std::optional<std::string> mode;
  std::string clocking = "skip";
  std::string vcd;
  std::optional<std::string> trace_layers;
  std::optional<std::string> trace_window;
  std::string trace_time = "clock";
  std::optional<unsigned> trace_threads;
  std::string timeline;
  bool fst = false;
  std::string report;
  std::optional<std::string> shape;
  std::optional<std::string> weights;
  golden::SamplingParams sampling;
  std::optional<std::string> lora;
  float lora_scale = 1.0f;
  std::string profile{numerics::cpu_profile_name(numerics::kDefaultCpuProfile)};
  std::vector<std::string> rtl_units;
  std::string rtl_rows = "0-0";
  std::string rtl_dir;
};

arch::ChipConfig resolve_config(const RunArgs& args) {
  return resolve_chip_config(args.config, args.sets);
}

std::string type_name(gguf::GgmlType type) { return std::string(gguf::traits(type).name); }

void apply_trace_options(const RunArgs& args, uint32_t n_layer, sim::TraceOptions& trace) {
  trace.vcd = args.vcd;
  trace.timeline = args.timeline;
  trace.fst = args.fst;
  trace.cycle_time = args.trace_time == "cycles";
  if (args.trace_layers) {
    if (args.vcd.empty() && args.timeline.empty()) {
      throw std::invalid_argument("--trace-layers needs --vcd or --timeline");
    }
    trace.layers = trace::parse_trace_layers(*args.trace_layers, n_layer).mask;
  }
  if (args.trace_window) {
    if (args.vcd.empty() && args.timeline.empty()) {
      throw std::invalid_argument("--trace-window needs --vcd or --timeline");
    }
    std::tie(trace.cycle_from, trace.cycle_to) = trace::parse_trace_window(*args.trace_window);
  }
  if (args.trace_threads) {
    if (args.vcd.empty() && args.timeline.empty()) {
      throw std::invalid_argument("--trace-threads needs --vcd or --timeline");
    }
    trace.threads = *args.trace_threads;
  }
}

// One prompt for every user: the text, the ids, or N ids counting up through the vocabulary.
std::vector<int32_t> make_prompt(const RunArgs& args, const model::Tokenizer* tokenizer,
                                 const model::LlamaShape& shape, uint32_t default_len) {
  std::vector<int32_t> prompt;
  if (args.prompt) {
    if (tokenizer == nullptr) throw std::invalid_argument("--prompt needs a model file");
    prompt = tokenizer->encode(*args.prompt);
  } else if (args.tokens) {
    prompt = parse_token_list(*args.tokens);
  } else {
    const uint32_t n = args.prompt_len.value_or(default_len);
    for (uint32_t i = 0; i < n; ++i) prompt.push_back(static_cast<int32_t>(i % shape.n_vocab));
  }
  if (prompt.empty()) throw std::invalid_argument("the prompt has no tokens");
  for (const int32_t id : prompt) {
    if (id < 0 || static_cast<uint32_t>(id) >= shape.n_vocab) {
      throw std::invalid_argument(
          fmt::format("token id {} is outside the vocabulary of {} tokens", id, shape.n_vocab));
    }
  }
  return prompt;
}

void print_users(const sim::RunResult& result, const model::Tokenizer* tokenizer) {
  for (size_t i = 0; i < result.users.size(); ++i) {
    const sim::UserResult& user = result.users[i];
    if (user.tokens.empty()) {
      fmt::print("user {}: {} tokens generated ({} mode: no token ids)\n", i, user.tokens_generated,
                 result.mode);
      continue;
    }
    fmt::print("user {} tokens: {}\n", i, fmt::join(user.tokens, ","));
    if (tokenizer != nullptr) fmt::print("user {} text: {}\n", i, tokenizer->decode(user.tokens));
  }
}

// --workload: a JSONL file, or a named workload (sim::workload_names()).
std::optional<std::vector<sim::WorkloadRequest>> load_workload(const RunArgs& args) {
  if (!args.workload) return std::nullopt;
  if (std::optional<std::vector<sim::WorkloadRequest>> named =
          sim::named_workload(*args.workload)) {
    return named;
  }
  if (!std::filesystem::exists(*args.workload)) {
    throw std::invalid_argument(
        fmt::format("--workload: '{}' is neither a file nor a named workload (known: {})",
                    *args.workload, fmt::join(sim::workload_names(), ", ")));
  }
  return sim::load_workload_jsonl(*args.workload);
}

// The requests of a --workload: prompt text through the tokenizer, synthetic prompts as ids
// 0, 1, 2, ...; the run checks the vocabulary, the context and the KV SRAM.
// An "adapter" path is relative to the workload file's folder.
std::vector<sim::UserRequest> workload_users(const std::vector<sim::WorkloadRequest>& workload,
                                             const std::filesystem::path& folder,
                                             const model::Tokenizer* tokenizer,
                                             const model::LlamaShape& shape) {
  std::vector<sim::UserRequest> users;
  for (size_t i = 0; i < workload.size(); ++i) {
    const sim::WorkloadRequest& w = workload[i];
    sim::UserRequest u;
    if (w.prompt_text) {
      if (tokenizer == nullptr) {
        throw std::invalid_argument(fmt::format(
            "workload request {}: \"prompt\" text needs a model file with a tokenizer (give "
            "\"tokens\" without one)",
            i));
      }
      u.prompt = tokenizer->encode(*w.prompt_text);
      if (u.prompt.empty())
        throw std::invalid_argument(
            fmt::format("workload request {}: the prompt has no tokens", i));
    } else if (!w.tokens.empty()) {
      u.prompt = w.tokens;
    } else {
      for (uint32_t t = 0; t < w.prompt_len; ++t)
        u.prompt.push_back(static_cast<int32_t>(t % shape.n_vocab));
    }
    u.n_generate = w.max_tokens;
    u.arrival_cycle = w.arrival_cycle;
    if (!w.adapter.empty()) {
      const std::filesystem::path adapter(w.adapter);
      u.adapter = (adapter.is_absolute() ? adapter : folder / adapter).lexically_normal().string();
    }
    users.push_back(std::move(u));
  }
  return users;
}

int run_run(const RunArgs& args) {
  const std::optional<std::vector<sim::WorkloadRequest>> workload = load_workload(args);
  const bool workload_text = workload && std::any_of(workload->begin(), workload->end(),
                                                     [](const sim::WorkloadRequest& w) {
                                                       return w.prompt_text.has_value();
                                                     });
  sim::RunOptions options;
  options.config = resolve_config(args);
  options.clocking = args.clocking == "lockstep" ? sim::Clocking::Lockstep : sim::Clocking::Skip;
  options.sampling = args.sampling;
  options.lora_scale = args.lora_scale;
  options.profile = *numerics::parse_cpu_profile(args.profile);
  options.rtl_units = args.rtl_units;
  options.rtl_rows = args.rtl_rows;
  // Absolute: Verilator's make runs inside the build directory, where a relative path misses.
  options.rtl_dir =
      args.rtl_dir.empty() ? std::string() : std::filesystem::absolute(args.rtl_dir).string();

  std::optional<gguf::GgufFile> file;
  std::unique_ptr<model::Tokenizer> tokenizer;
  if (args.model) {
    if (args.shape || args.weights) {
      throw std::invalid_argument(
          "--shape and --weights describe a model without a file; the model file gives both");
    }
    file.emplace(gguf::GgufFile::open(*args.model));
    if (!options.config.weight_cells.allow_f16_weights) refuse_float_weights(*file, *args.model);
    const model::LlamaModel model(*file);
    options.model_name = *args.model;
    options.shape = model.shape();
    options.weight_types = sim::model_weight_types(model);
    options.mode = args.mode == "timing" ? sim::Mode::Timing : sim::Mode::Functional;
    tokenizer = load_tokenizer(*file, args.prompt.has_value() || workload_text);
  } else {
    if (args.mode == "functional") {
      throw std::invalid_argument("--mode functional needs a model file (MODEL.gguf)");
    }
    const std::string shape_name = args.shape.value_or(kDefaultShape);
    const std::optional<model::LlamaShape> shape = model::named_shape(shape_name);
    if (!shape) {
      throw std::invalid_argument(fmt::format("--shape: unknown shape '{}' (known: {})", shape_name,
                                              fmt::join(model::shape_names(), ", ")));
    }
    const std::string weights = args.weights.value_or(kDefaultWeights);
    const std::optional<model::QuantScheme> scheme = model::quant_scheme_from_name(weights);
    if (!scheme) {
      throw std::invalid_argument(fmt::format("--weights: unknown scheme '{}' (known: {})", weights,
                                              fmt::join(model::quant_scheme_names(), ", ")));
    }
    options.model_name = shape_name;
    options.shape = *shape;
    options.weight_types = scheme_weight_types(*shape, *scheme);
    options.mode = sim::Mode::Timing;
  }
  const model::LlamaShape& shape = options.shape;

  if (workload) {
    const std::filesystem::path folder = std::filesystem::path(*args.workload).has_parent_path()
                                             ? std::filesystem::path(*args.workload).parent_path()
                                             : std::filesystem::path(".");
    options.users = workload_users(*workload, folder, tokenizer.get(), shape);
  } else {
    // Defaults: 1024 + 1024 tokens (the flagship workload), less when the context is shorter.
    const uint32_t default_len = std::clamp(shape.n_ctx / 2, 1u, kDefaultTokens);
    const std::vector<int32_t> prompt = make_prompt(args, tokenizer.get(), shape, default_len);
    const uint32_t n_generate = args.n_generate.value_or(default_len);
    if (prompt.size() + n_generate > shape.n_ctx) {
      throw std::invalid_argument(
          fmt::format("the prompt ({} tokens) plus {} generated tokens exceed the context of {} "
                      "tokens",
                      prompt.size(), n_generate, shape.n_ctx));
    }
    const std::vector<sim::WorkloadRequest> synthetic =
        sim::synthetic_workload(args.users, static_cast<uint32_t>(prompt.size()), n_generate,
                                args.arrival_rate, options.config.clock_hz());
    for (const sim::WorkloadRequest& w : synthetic) {
      options.users.emplace_back(prompt, w.max_tokens, w.arrival_cycle, args.lora.value_or(""));
    }
  }
  apply_trace_options(args, shape.n_layer, options.trace);
  std::vector<size_t> prompt_tokens;
  for (const sim::UserRequest& u : options.users) prompt_tokens.push_back(u.prompt.size());

  spdlog::info("run: {} ({} layers, n_embd {}), {} mode, {} clocking, {:.1f} MHz",
               options.model_name, shape.n_layer, shape.n_embd,
               options.mode == sim::Mode::Timing ? "timing" : "functional", args.clocking,
               options.config.clock.clock_mhz);
  const arch::ModelWeightTypes& types = options.weight_types;
  for (uint32_t l = 0; l < (types.uniform() ? 1 : shape.n_layer); ++l) {
    const arch::WeightTypes& t = types.layer(l);
    spdlog::info("run: weights {}q {} k {} v {} o {} gate {} up {} down {}",
                 types.uniform() ? "" : fmt::format("layer {:2}: ", l), type_name(t.q),
                 type_name(t.k), type_name(t.v), type_name(t.o), type_name(t.gate), type_name(t.up),
                 type_name(t.down));
  }
  spdlog::info("run: weights output {}", type_name(types.head().output));
  spdlog::info("run: {} request(s), prompt {} tokens, {} generated (first request); admission {}",
               options.users.size(), options.users.front().prompt.size(),
               options.users.front().n_generate, options.config.serving.admission);

  // Functional runs of large models take minutes: tokens done, tokens/s and ETA on stderr.
  std::optional<ProgressLine> progress;
  if (options.mode == sim::Mode::Functional) {
    progress.emplace("run");
    const auto start = std::chrono::steady_clock::now();
    options.on_token = [&progress, start](uint64_t done, uint64_t total) {
      const double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      progress->update_items(
          done, total,
          fmt::format("{:.2f} tokens/s", secs > 0 ? static_cast<double>(done) / secs : 0.0));
    };
  }
  // Long traced runs take seconds to write their files after the run: one progress line each.
  std::optional<ProgressLine> writing;
  std::filesystem::path writing_file;
  options.trace.on_write = [&](const std::filesystem::path& f, uint64_t done, uint64_t total) {
    if (!writing || f != writing_file) {
      if (progress) progress->finish();  // the run's own line is complete: end it first
      if (writing) writing->finish();
      writing.emplace(fmt::format("writing {}", f.string()));
      writing_file = f;
    }
    writing->update_share(done, total);
  };
  const sim::RunResult result = sim::run(options, file ? &*file : nullptr);
  if (progress) progress->finish();
  if (writing) writing->finish();

  print_users(result, tokenizer.get());
  fmt::print("\n{}", sim::summary_table(result, prompt_tokens));
  fmt::print("\ntokens/s per user: {:.0f}\n", result.tokens_per_s_per_user);
  std::fflush(stdout);
  if (!args.report.empty()) {
    sim::write_report(args.report, result);
    spdlog::info("run: report written to {}", args.report);
  }
  return 0;
}

}  // namespace

CommandRunner register_run(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  app.add_option("model", args->model,
                 "GGUF model file; without one, a timing run of --shape with --weights")
      ->check(CLI::ExistingFile);
  app.add_option("--config", args->config,
                 "Chip configuration TOML (default: configs/hc1.toml, "
                 "built in)")
      ->check(CLI::ExistingFile);
  app.add_option("--set", args->sets,
                 "Override one config key, e.g. --set kv_sram.capacity_mib=256 (repeatable)")
      ->allow_extra_args(false);
  auto* prompt =
      app.add_option("--prompt", args->prompt, "Prompt text, tokenized with the model's tokenizer");
  auto* tokens = app.add_option("--tokens", args->tokens, "Prompt as token ids: 1,2,3");
  auto* prompt_len = app.add_option("--prompt-len", args->prompt_len,
                                    "Prompt of N token ids 0, 1, 2, ... (default: 1024, at most "
                                    "half the model's context)")
                         ->check(positive_number());
  prompt->excludes(tokens)->excludes(prompt_len);
  tokens->excludes(prompt)->excludes(prompt_len);
  prompt_len->excludes(prompt)->excludes(tokens);
  auto* n_generate =
      app.add_option("-n,--gen-len", args->n_generate,
                     "Tokens generated per user (default: 1024, at most half the model's context)")
          ->check(non_negative_number());
  auto* users =
      app.add_option("--users", args->users, "Users, each with its own copy of the prompt")
          ->check(positive_number())
          ->capture_default_str();
  auto* arrival_rate =
      app.add_option("--arrival-rate", args->arrival_rate,
                     "Synthetic users arrive R per second of simulated time: user i at cycle "
                     "i * clock_hz / R (default: all at cycle 0)")
          ->check(positive_number());
  auto* workload =
      app.add_option("--workload", args->workload,
                     fmt::format("Requests from a JSONL file (one {{\"prompt\"|\"tokens\", "
                                 "\"max_tokens\", \"adapter\", \"arrival_cycle\"}} a line; "
                                 "docs/serving.md) or a named workload: {}",
                                 fmt::join(sim::workload_names(), ", ")));
  auto* lora = app.add_option("--lora", args->lora,
                              "LoRA adapter GGUF (llama.cpp format) every user is bound to; it is "
                              "loaded into the chip's LoRA SRAM first (a --workload names its "
                              "own per request)")
                   ->check(CLI::ExistingFile);
  app.add_option("--lora-scale", args->lora_scale,
                 "Every adapter's scale (llama.cpp's; times alpha / rank when alpha != 0)")
      ->capture_default_str();
  for (CLI::Option* o : {prompt, tokens, prompt_len, n_generate, users, arrival_rate, lora}) {
    workload->excludes(o);
    o->excludes(workload);
  }
  app.add_option("--mode", args->mode,
                 "functional (computes every token; default with a model) or timing (cycles "
                 "only; the only mode without a model)")
      ->check(CLI::IsMember({"functional", "timing"}));
  app.add_option("--clocking", args->clocking,
                 "skip (wake only when a unit changes state) or lockstep (every clock edge); "
                 "same cycles")
      ->check(CLI::IsMember({"skip", "lockstep"}))
      ->capture_default_str();
  auto* vcd = app.add_option("--vcd", args->vcd, "Write a VCD trace (and a .gtkw beside it)");
  app.add_option(
      "--timeline", args->timeline,
      "Write the run's units and tokens as Chrome/Perfetto trace events (JSON; ui.perfetto.dev)");
  app.add_option("--trace-layers", args->trace_layers,
                 "Trace (--vcd, --timeline) only these layers: 0-3");
  app.add_option("--trace-window", args->trace_window,
                 "Trace (--vcd, --timeline) only cycles FROM:TO (TO exclusive; either side may be "
                 "empty); the timeline keeps the slices that overlap it, whole");
  app.add_option("--trace-time", args->trace_time,
                 "clock: the VCD's time is real time (one clock period per cycle); cycles: one "
                 "time unit per cycle")
      ->check(CLI::IsMember({"clock", "cycles"}))
      ->capture_default_str()
      ->needs(vcd);
  app.add_option("--trace-threads", args->trace_threads,
                 "Threads writing --vcd and --timeline after the run, 1-64 (default: one per "
                 "core, at most 4); the bytes are the same with any number")
      ->check(CLI::Range(1u, 64u));
  app.add_flag("--fst", args->fst, "Also convert the VCD to FST with gtkwave's vcd2fst")
      ->needs(vcd);
  app.add_option("--report", args->report, "Write the JSON report to this file");
  auto* rtl_units =
      app.add_option("--rtl-units", args->rtl_units,
                     "RTL in the loop: matvec units stepped as Verilated RTL generated from the "
                     "weights instead of their formula, e.g. layer0.qkv,layer1.down (needs a model "
                     "file and verilator)")
          ->delimiter(',');
  app.add_option("--rtl-rows", args->rtl_rows,
                 "Rows A-B of each matrix the in-the-loop RTL holds (rows work in parallel: the "
                 "slice has the whole unit's cycles)")
      ->needs(rtl_units)
      ->capture_default_str();
  app.add_option("--rtl-dir", args->rtl_dir,
                 "Keep the in-the-loop RTL and its Verilator builds here (default: a removed "
                 "temporary directory)")
      ->needs(rtl_units);
  app.add_option("--shape", args->shape,
                 fmt::format("Model shape without a model file: {} (default {})",
                             fmt::join(model::shape_names(), ", "), kDefaultShape));
  app.add_option("--weights", args->weights,
                 fmt::format("Weight types without a model file, as etchsim synth --quant: {} "
                             "(default {})",
                             fmt::join(model::quant_scheme_names(), ", "), kDefaultWeights));
  add_sampling_options(app, args->sampling, "Sampler seed; user i samples with seed + i");
  app.add_option("--numerics", args->profile,
                 "Which llama.cpp CPU build's roundings to emulate: haswell or zen4")
      ->check(CLI::IsMember({"haswell", "zen4"}))
      ->capture_default_str();
  return [args] { return run_run(*args); };
}

}  // namespace etchsim::cli
