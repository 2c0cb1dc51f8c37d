// `etchsim compare`: the chip's flagship timing run next to the GPU "memory wall" baseline for
// the same model shape and context (docs/gpu-baseline.md): tokens/s per user and aggregate,
// energy per token and cost per million tokens.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "etchsim/arch/pipeline_timing.hpp"
#include "etchsim/baseline/gpu_baseline.hpp"
#include "etchsim/cli/commands.hpp"
#include "etchsim/embedded_gpu_configs.hpp"
#include "etchsim/sim/run.hpp"
#include "flagship.hpp"
#include "number_checks.hpp"

namespace etchsim::cli {
namespace {

struct CompareArgs {
  std::string gpu = "h200";
  std::string gpu_dtype = "bf16";
  std::optional<std::string> config;
  std::vector<std::string> sets;
  std::string shape = kDefaultShape;
  std::string weights = kDefaultWeights;
  uint32_t prompt_len = kDefaultTokens;
  uint32_t n_generate = kDefaultTokens;
  std::vector<uint32_t> batches = {1, 8, 32, 128};
  std::optional<double> chip_price_per_hour;
  bool json = false;
};

// The chip's energy per token from the energy model (0 when a run has no energy figure).
std::optional<double> chip_energy_j_per_token(const sim::RunResult& r) {
  if (r.energy_j_per_token > 0) return r.energy_j_per_token;
  return std::nullopt;
}

struct ChipRow {
  uint32_t users = 0;
  double per_user = 0;
  double aggregate = 0;
  std::optional<double> j_per_token;
};

// SystemC elaborates one design per process, so each chip run happens in a child process that
// sends its figures back through a pipe as one JSON object.
class ChipChild {
 public:
  ChipChild(const sim::RunOptions& options, uint32_t users) : m_users(users) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("compare: pipe() failed");
    std::fflush(stdout);
    std::fflush(stderr);
    m_pid = ::fork();
    if (m_pid < 0) throw std::runtime_error("compare: fork() failed");
    if (m_pid == 0) {
      ::close(fds[0]);
      nlohmann::json out;
      int code = 0;
      try {
        sim::RunOptions o = options;
        o.users.resize(users, options.users.front());
        const sim::RunResult r = sim::run(o, nullptr);
        out["per_user"] = r.tokens_per_s_per_user;
        out["aggregate"] = r.tokens_per_s_aggregate;
        const std::optional<double> e = chip_energy_j_per_token(r);
        out["energy_j_per_token"] = e ? nlohmann::json(*e) : nlohmann::json(nullptr);
      } catch (const std::exception& ex) {
        out["error"] = ex.what();
        code = 1;
      }
      const std::string text = out.dump();
      size_t done = 0;
      while (done < text.size()) {
        const ssize_t n = ::write(fds[1], text.data() + done, text.size() - done);
        if (n <= 0) break;
        done += static_cast<size_t>(n);
      }
      ::close(fds[1]);
      std::fflush(stderr);
      ::_exit(code);
    }
    ::close(fds[1]);
    m_fd = fds[0];
  }
  ChipChild(const ChipChild&) = delete;
  ChipChild& operator=(const ChipChild&) = delete;
  ~ChipChild() {
    if (m_fd >= 0) ::close(m_fd);
    if (m_pid > 0) ::waitpid(m_pid, nullptr, 0);
  }

  ChipRow wait() {
    std::string text;
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(m_fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      text.append(buf, static_cast<size_t>(n));
    }
    ::close(m_fd);
    m_fd = -1;
    int status = 0;
    ::waitpid(m_pid, &status, 0);
    m_pid = -1;
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      throw std::runtime_error(
          fmt::format("compare: the chip run with {} user(s) ended without a result", m_users));
    }
    if (j.contains("error")) throw std::runtime_error(j["error"].get<std::string>());
    ChipRow row{.users = m_users,
                .per_user = j["per_user"].get<double>(),
                .aggregate = j["aggregate"].get<double>(),
                .j_per_token = std::nullopt};
    if (j["energy_j_per_token"].is_number())
      row.j_per_token = j["energy_j_per_token"].get<double>();
    return row;
  }

 private:
  uint32_t m_users;
  pid_t m_pid = -1;
  int m_fd = -1;
};

// --gpu NAME (built in) or FILE.toml.
baseline::GpuConfig resolve_gpu(const std::string& gpu, std::string& source) {
  for (const auto& [name, text] : kGpuTomls) {
    if (gpu == name) {
      source = fmt::format("configs/gpus/{}.toml", name);
      return baseline::parse_gpu_config(text, source);
    }
  }
  if (gpu.ends_with(".toml") && std::filesystem::is_regular_file(gpu)) {
    source = gpu;
    return baseline::load_gpu_config(gpu);
  }
  std::vector<std::string_view> known;
  for (const auto& entry : kGpuTomls) known.push_back(entry.first);
  throw std::invalid_argument(fmt::format("--gpu: unknown GPU '{}' (known: {}, or a FILE.toml)",
                                          gpu, fmt::join(known, ", ")));
}

std::optional<double> usd_per_million(std::optional<double> price_per_hour, double aggregate) {
  if (!price_per_hour || !(aggregate > 0)) return std::nullopt;
  return *price_per_hour / 3600.0 / aggregate * 1e6;
}

nlohmann::json opt_json(std::optional<double> v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

std::string opt_text(std::optional<double> v, const char* format) {
  return v ? fmt::format(fmt::runtime(format), *v) : std::string("-");
}

int run_compare(const CompareArgs& args) {
  const std::optional<model::LlamaShape> shape = model::named_shape(args.shape);
  if (!shape) {
    throw std::invalid_argument(fmt::format("--shape: unknown shape '{}' (known: {})", args.shape,
                                            fmt::join(model::shape_names(), ", ")));
  }
  const std::optional<model::QuantScheme> scheme = model::quant_scheme_from_name(args.weights);
  if (!scheme) {
    throw std::invalid_argument(fmt::format("--weights: unknown scheme '{}' (known: {})",
                                            args.weights,
                                            fmt::join(model::quant_scheme_names(), ", ")));
  }
  const std::optional<baseline::GpuDtype> dtype = baseline::gpu_dtype_from_name(args.gpu_dtype);
  if (!dtype) {
    throw std::invalid_argument(
        fmt::format("--gpu-dtype: unknown '{}' (known: bf16, fp8, int4)", args.gpu_dtype));
  }
  std::string gpu_source;
  const baseline::GpuConfig gpu = resolve_gpu(args.gpu, gpu_source);
  if (uint64_t{args.prompt_len} + args.n_generate > shape->n_ctx) {
    throw std::invalid_argument(
        fmt::format("the prompt ({} tokens) plus {} generated tokens exceed the context of {} "
                    "tokens",
                    args.prompt_len, args.n_generate, shape->n_ctx));
  }
  if (args.n_generate == 0) throw std::invalid_argument("-n: compare needs generated tokens");

  // The chip: the flagship timing run, one user and as many as the KV SRAM admits.
  sim::RunOptions options;
  options.config = resolve_chip_config(args.config, args.sets);
  options.model_name = args.shape;
  options.shape = *shape;
  options.weight_types = scheme_weight_types(*shape, *scheme);
  options.mode = sim::Mode::Timing;
  std::vector<int32_t> prompt;
  for (uint32_t i = 0; i < args.prompt_len; ++i) {
    prompt.push_back(static_cast<int32_t>(i % shape->n_vocab));
  }
  options.users.assign(1, sim::UserRequest(prompt, args.n_generate));
  const arch::Estimate estimate =
      arch::estimate(options.config, *shape, options.weight_types,
                     {.prompt_tokens = args.prompt_len, .generated_tokens = args.n_generate});
  const auto max_users = static_cast<uint32_t>(std::min<uint64_t>(estimate.max_users, 1u << 16));
  spdlog::info("compare: chip runs with 1{} user(s) ({} prompt + {} generated tokens each)",
               max_users > 1 ? fmt::format(" and {}", max_users) : std::string(), args.prompt_len,
               args.n_generate);
  std::vector<ChipRow> chip;
  {
    std::vector<std::unique_ptr<ChipChild>> children;
    children.push_back(std::make_unique<ChipChild>(options, 1));
    if (max_users > 1) children.push_back(std::make_unique<ChipChild>(options, max_users));
    for (auto& child : children) chip.push_back(child->wait());
  }

  // The GPU: the same shape and workload at each batch.
  std::vector<uint32_t> batches = args.batches;
  std::vector<baseline::GenerationResult> gpu_rows;
  for (const uint32_t b : batches) {
    gpu_rows.push_back(
        baseline::generation(gpu, *shape, *dtype, b, args.prompt_len, args.n_generate));
  }
  const uint32_t gpu_max_batch =
      baseline::max_batch(gpu, *shape, *dtype, uint64_t{args.prompt_len} + args.n_generate);
  const bool chip_energy = std::all_of(chip.begin(), chip.end(),
                                       [](const ChipRow& r) { return r.j_per_token.has_value(); });

  if (args.json) {
    nlohmann::json j;
    j["model"] = args.shape;
    j["prompt_tokens"] = args.prompt_len;
    j["generated_tokens"] = args.n_generate;
    nlohmann::json chip_rows = nlohmann::json::array();
    for (const ChipRow& r : chip) {
      chip_rows.push_back({{"users", r.users},
                           {"tokens_per_s_per_user", r.per_user},
                           {"tokens_per_s_aggregate", r.aggregate},
                           {"energy_j_per_token", opt_json(r.j_per_token)},
                           {"usd_per_million_tokens",
                            opt_json(usd_per_million(args.chip_price_per_hour, r.aggregate))}});
    }
    j["chip"] = {{"config", args.config.value_or("configs/hc1.toml")},
                 {"weights", args.weights},
                 {"max_users", max_users},
                 {"price_per_hour_usd", opt_json(args.chip_price_per_hour)},
                 {"energy_model", chip_energy ? "available" : "pending"},
                 {"rows", chip_rows}};
    nlohmann::json gpu_json_rows = nlohmann::json::array();
    for (const baseline::GenerationResult& g : gpu_rows) {
      gpu_json_rows.push_back({{"batch", g.batch},
                               {"fits", g.fits},
                               {"step_ms", g.mean_step_s * 1e3},
                               {"tokens_per_s_per_user", g.tokens_per_s_per_user},
                               {"tokens_per_s_aggregate", g.tokens_per_s_aggregate},
                               {"energy_j_per_token", g.joules_per_token},
                               {"usd_per_million_tokens", opt_json(g.usd_per_million_tokens)}});
    }
    j["gpu"] = {{"name", gpu.name},
                {"source", gpu_source},
                {"dtype", baseline::gpu_dtype_name(*dtype)},
                {"memory_bandwidth_tbps", gpu.memory_bandwidth_tbps},
                {"board_power_w", gpu.board_power_w},
                {"price_per_hour_usd", opt_json(gpu.price_per_hour)},
                {"max_batch", gpu_max_batch},
                {"rows", gpu_json_rows}};
    fmt::print("{}\n", j.dump(1));
    std::fflush(stdout);
    return 0;
  }

  fmt::print("model {}: prompt {} tokens, {} generated per user (decode context {}..{})\n",
             args.shape, args.prompt_len, args.n_generate, args.prompt_len + 1,
             args.prompt_len + args.n_generate - 1);
  fmt::print("chip: {}, {} weights, {:.0f} MHz; KV SRAM admits {} user(s)\n",
             args.config.value_or("configs/hc1.toml"), args.weights, options.config.clock.clock_mhz,
             max_users);
  fmt::print(
      "GPU:  {} ({}), {} weights, bf16 KV cache, {:.2f} TB/s, {:.0f} W; memory admits "
      "batch {}\n\n",
      gpu.name, gpu_source, baseline::gpu_dtype_name(*dtype), gpu.memory_bandwidth_tbps,
      gpu.board_power_w, gpu_max_batch);
  const std::string gpu_label = fmt::format("GPU {}", gpu.name);
  const size_t width = std::max<size_t>(gpu_label.size(), 12);
  fmt::print("{:<{}}  {:>6}  {:>14}  {:>15}  {:>10}  {:>10}\n", "system", width, "users",
             "tok/s per user", "tok/s aggregate", "J/token", "$/M tokens");
  for (const ChipRow& r : chip) {
    fmt::print("{:<{}}  {:>6}  {:>14.0f}  {:>15.0f}  {:>10}  {:>10}\n", "chip", width, r.users,
               r.per_user, r.aggregate,
               r.j_per_token ? fmt::format("{:.4g}", *r.j_per_token) : "n/a",
               opt_text(usd_per_million(args.chip_price_per_hour, r.aggregate), "{:.4g}"));
  }
  for (const baseline::GenerationResult& g : gpu_rows) {
    if (!g.fits) {
      fmt::print("{:<{}}  {:>6}  does not fit in memory (max batch {})\n", gpu_label, width,
                 g.batch, g.max_batch);
      continue;
    }
    fmt::print("{:<{}}  {:>6}  {:>14.0f}  {:>15.0f}  {:>10.4g}  {:>10}\n", gpu_label, width,
               g.batch, g.tokens_per_s_per_user, g.tokens_per_s_aggregate, g.joules_per_token,
               opt_text(g.usd_per_million_tokens, "{:.4g}"));
  }
  if (!chip_energy) fmt::print("\nchip energy per token: n/a (energy model pending)\n");
  if (!gpu_rows.empty() && gpu_rows.front().fits && gpu_rows.front().batch == 1) {
    fmt::print("{}chip / GPU tokens/s per user (one user, batch 1): {:.1f}x\n",
               chip_energy ? "\n" : "",
               chip.front().per_user / gpu_rows.front().tokens_per_s_per_user);
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace

CommandRunner register_compare(CLI::App& app) {
  auto args = std::make_shared<CompareArgs>();
  app.add_option("--gpu", args->gpu,
                 "GPU baseline: h100, h200, b200 (built in, configs/gpus/) or a FILE.toml")
      ->capture_default_str();
  app.add_option("--gpu-dtype", args->gpu_dtype, "GPU weight type: bf16, fp8 or int4")
      ->check(CLI::IsMember({"bf16", "fp8", "int4"}))
      ->capture_default_str();
  app.add_option("--config", args->config,
                 "Chip configuration TOML (default: configs/hc1.toml, built in)")
      ->check(CLI::ExistingFile);
  app.add_option("--set", args->sets,
                 "Override one chip config key, e.g. --set kv_sram.capacity_mib=256 (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--shape", args->shape,
                 fmt::format("Model shape: {}", fmt::join(model::shape_names(), ", ")))
      ->capture_default_str();
  app.add_option("--weights", args->weights,
                 fmt::format("Chip weight types, as etchsim synth --quant: {}",
                             fmt::join(model::quant_scheme_names(), ", ")))
      ->capture_default_str();
  app.add_option("--prompt-len", args->prompt_len, "Prompt tokens per user")
      ->check(positive_number())
      ->capture_default_str();
  app.add_option("-n", args->n_generate, "Tokens generated per user")
      ->check(positive_number())
      ->capture_default_str();
  app.add_option("--batch", args->batches, "GPU batch sizes (default 1 8 32 128)")
      ->check(positive_number())
      ->delimiter(',');
  app.add_option("--chip-price-per-hour", args->chip_price_per_hour,
                 "Chip (card) price in USD per hour, for cost per million tokens")
      ->check(positive_number());
  app.add_flag("--json", args->json, "Print the comparison as JSON");
  return [args] { return run_compare(*args); };
}

}  // namespace etchsim::cli
