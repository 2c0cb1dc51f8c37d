// `etchsim sweep`: runs `etchsim run` once per point of the cartesian product of the --vary
// axes, each point in its own process (this executable, spawned without a shell), up to --jobs
// at a time, and writes one row per point: the varied keys, every scalar of the point's JSON
// report, status and error (docs/sweep.md). --dry-run lists the points, --point I runs one of
// them and --merge joins row files: the pieces of a Slurm job array (scripts/slurm-sweep.sh).
// `--vary scheme=...` quantizes the model file into each weight scheme (cached) and runs the
// points on those files; --text adds each scheme's perplexity and KL divergence (sweep_schemes).
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "etchsim/arch/chip_config.hpp"
#include "etchsim/arch/config_keys.hpp"
#include "etchsim/cli/commands.hpp"
#include "etchsim/embedded_configs.hpp"
#include "etchsim/io/output_path.hpp"
#include "etchsim/model/llama_shape.hpp"
#include "etchsim/model/synth.hpp"
#include "number_checks.hpp"
#include "progress_line.hpp"
#include "sweep_schemes.hpp"
#include "sweep_table.hpp"

extern char** environ;

namespace etchsim::cli {
namespace {

namespace fs = std::filesystem;
using sweep::Json;
using sweep::Row;

struct SweepArgs {
  std::optional<std::string> config;
  std::vector<std::string> vary;
  unsigned jobs = 0;  // 0: hardware threads
  std::string output;
  std::optional<size_t> point;
  bool dry_run = false;
  std::vector<std::string> merge;
  // Quality of each point's model file (with --text), and where quantized files are kept.
  std::optional<std::string> text;
  std::optional<int> n_ctx;
  std::optional<int> n_chunks;
  std::optional<std::string> quant_cache;
  // Passed through to every `etchsim run`.
  std::optional<std::string> model;
  std::vector<std::string> sets;
  std::optional<std::string> shape;
  std::optional<std::string> weights;
  std::optional<std::string> prompt;
  std::optional<std::string> tokens;
  std::optional<std::string> prompt_len;
  std::optional<std::string> n_generate;
  std::optional<std::string> users;
  std::optional<std::string> workload;
  std::optional<std::string> lora;
  std::optional<std::string> lora_scale;
  std::optional<std::string> mode;
  std::optional<std::string> clocking;
};

enum class Format { Csv, JsonArray };

Format output_format(const std::string& output) {
  if (output.empty() || output == "-") return Format::Csv;
  const std::string ext = fs::path(output).extension().string();
  if (ext == ".csv") return Format::Csv;
  if (ext == ".json") return Format::JsonArray;
  throw std::invalid_argument(fmt::format(
      "-o {}: the output must end in .csv or .json (or be - for CSV on stdout)", output));
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("cannot read {}", path.string()));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Written under a temporary name beside the target and renamed: readers never see half a table.
void write_output(const std::string& output, const sweep::Table& table) {
  const Format format = output_format(output);
  const std::string text =
      format == Format::JsonArray ? sweep::to_json(table) : sweep::to_csv(table);
  if (output.empty() || output == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return;
  }
  io::write_file_atomically(output, text);
}

// Every key and value checked before any point runs: the config file, each --set, each value
// of each axis on its own (the chip's own checks of a whole point happen in its run).
void validate(const SweepArgs& args, const std::vector<sweep::Axis>& axes) {
  arch::ChipConfig base = args.config ? arch::load_config(*args.config)
                                      : arch::parse_config(kHc1Toml, "configs/hc1.toml");
  for (const std::string& assignment : args.sets) arch::apply_override(base, assignment);
  for (const sweep::Axis& axis : axes) {
    if (axis.key == sweep::kSchemeAxis) {
      if (!args.model) {
        throw std::invalid_argument(
            "--vary scheme=... quantizes a model file: give MODEL.gguf (F32, F16, BF16 or Q8_0 "
            "weights)");
      }
      for (const std::string& value : axis.values) parse_quantize_scheme(value, "--vary scheme");
      continue;
    }
    for (const std::string& value : axis.values) {
      arch::ChipConfig config = base;
      try {
        arch::apply_override(config, axis.key + "=" + value);
      } catch (const std::exception& e) {
        throw std::invalid_argument(fmt::format("--vary {}={}: {}", axis.key, value, e.what()));
      }
    }
  }
  if (args.model && (args.shape || args.weights)) {
    throw std::invalid_argument(
        "--shape and --weights describe a model without a file; the model file gives both");
  }
  if (!args.model && args.mode == "functional") {
    throw std::invalid_argument("--mode functional needs a model file (MODEL.gguf)");
  }
  if (args.text && !args.model) {
    throw std::invalid_argument("--text measures a model file's perplexity: give MODEL.gguf");
  }
  if ((args.n_ctx || args.n_chunks) && !args.text) {
    throw std::invalid_argument("--ctx and --chunks set how --text is scored: give --text FILE");
  }
  if (args.shape && !model::named_shape(*args.shape)) {
    throw std::invalid_argument(fmt::format("--shape: unknown shape '{}'", *args.shape));
  }
  if (args.weights && !model::quant_scheme_from_name(*args.weights)) {
    throw std::invalid_argument(fmt::format("--weights: unknown scheme '{}'", *args.weights));
  }
}

// `etchsim run` and its fixed options, without the point's --set and --report.
std::vector<std::string> run_command(const SweepArgs& args, const std::optional<fs::path>& model) {
  std::vector<std::string> argv = {"etchsim", "--log-level", "warn", "run"};
  auto add = [&argv](const char* option, const std::optional<std::string>& value) {
    if (value) {
      argv.emplace_back(option);
      argv.push_back(*value);
    }
  };
  if (model) argv.push_back(model->string());
  add("--config", args.config);
  add("--shape", args.shape);
  add("--weights", args.weights);
  add("--prompt", args.prompt);
  add("--tokens", args.tokens);
  add("--prompt-len", args.prompt_len);
  add("-n", args.n_generate);
  add("--users", args.users);
  add("--workload", args.workload);
  add("--lora", args.lora);
  add("--lora-scale", args.lora_scale);
  add("--mode", args.mode);
  add("--clocking", args.clocking);
  for (const std::string& s : args.sets) add("--set", s);
  return argv;
}

// A temporary directory for the points' reports and stderr, removed at the end.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "etchsim-sweep-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error(
          fmt::format("cannot create a temporary directory: {}", std::strerror(errno)));
    }
    m_path = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(m_path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return m_path; }

 private:
  fs::path m_path;
};

// Starts this executable with `argv`, stdout to /dev/null, stderr to `err`. Returns the pid, or
// -1 with errno set.
pid_t spawn(const std::vector<std::string>& argv, const fs::path& err) {
  std::vector<char*> ptrs;
  for (const std::string& a : argv) ptrs.push_back(const_cast<char*>(a.c_str()));
  ptrs.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, ptrs.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    errno = rc;
    return -1;
  }
  return pid;
}

// The reason a point failed: the signal that killed it, else its `etchsim: error:` line, else
// its last line of stderr, else its exit code.
std::string failure_message(const fs::path& err, int status) {
  if (WIFSIGNALED(status)) return fmt::format("killed by signal {}", WTERMSIG(status));
  std::string last;
  std::string error_line;
  std::ifstream in(err);
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty() || line.starts_with("Run with --help")) continue;
    last = line;
    constexpr std::string_view kPrefix = "etchsim: error: ";
    if (line.starts_with(kPrefix)) error_line = line.substr(kPrefix.size());
  }
  if (!error_line.empty()) return error_line;
  if (!last.empty()) return last;
  return fmt::format("exit code {}", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

Row point_row(size_t point, const std::vector<sweep::Axis>& axes) {
  Row row;
  row.emplace_back("point", point);
  const std::vector<std::string> values = sweep::point_values(axes, point);
  for (size_t a = 0; a < axes.size(); ++a) {
    row.emplace_back(axes[a].key, sweep::cell_from_text(values[a]));
  }
  return row;
}

// The point's report, with its model's quality figures (when measured) as `quality.*`.
void finish_ok(Row& row, Json report, const Json& quality) {
  std::set<std::string> taken = {"status", "error"};
  for (const auto& [column, value] : row) taken.insert(column);
  if (!quality.is_null()) report["quality"] = quality;
  for (auto& [column, value] : sweep::flatten_report(report)) {
    if (taken.insert(column).second) row.emplace_back(column, std::move(value));
  }
  row.emplace_back("status", "ok");
  row.emplace_back("error", nullptr);
}

void finish_error(Row& row, const std::string& message) {
  row.emplace_back("status", "error");
  row.emplace_back("error", message);
}

struct Running {
  size_t slot;  // index into the points being run
  fs::path report;
  fs::path err;
};

// Runs `points` (indices into the product), up to `jobs` at once; rows in the order of `points`.
std::vector<Row> run_points(const SweepArgs& args, const std::vector<sweep::Axis>& axes,
                            const std::vector<size_t>& points, unsigned jobs) {
  const TempDir dir;
  // Each scheme's model file (quantized once, cached) and quality, before any point runs.
  const auto scheme_axis = std::find_if(
      axes.begin(), axes.end(), [](const sweep::Axis& a) { return a.key == sweep::kSchemeAxis; });
  const size_t scheme_index = static_cast<size_t>(scheme_axis - axes.begin());
  auto scheme_of = [&](size_t point) {
    return scheme_axis == axes.end() ? std::string()
                                     : sweep::point_values(axes, point)[scheme_index];
  };
  std::map<std::string, std::pair<std::optional<fs::path>, Json>> models;
  std::optional<SchemeModels> schemes;
  if (args.model) {
    const bool cached = scheme_axis != axes.end() || args.text;
    schemes.emplace(*args.model, args.quant_cache ? fs::path(*args.quant_cache)
                                 : cached         ? default_quant_cache()
                                                  : fs::path());
  }
  const QualityOptions quality{.text = args.text.value_or(""),
                               .n_ctx = args.n_ctx.value_or(512),
                               .n_chunks = args.n_chunks.value_or(-1)};
  for (const size_t point : points) {
    const std::string scheme = scheme_of(point);
    if (models.contains(scheme)) continue;
    if (!schemes) {
      models[scheme] = {std::nullopt, Json()};
      continue;
    }
    models[scheme] = {schemes->file(scheme),
                      args.text ? schemes->quality(scheme, quality) : Json()};
  }
  std::vector<Row> rows(points.size());
  std::map<pid_t, Running> running;
  size_t next = 0;
  size_t done = 0;
  size_t failed = 0;
  ProgressLine progress("sweep");
  progress.update_items(0, points.size(), "0 failed");
  while (done < points.size()) {
    while (running.size() < jobs && next < points.size()) {
      const size_t slot = next++;
      const size_t point = points[slot];
      rows[slot] = point_row(point, axes);
      Running r{slot, dir.path() / fmt::format("point-{}.json", point),
                dir.path() / fmt::format("point-{}.err", point)};
      std::vector<std::string> argv = run_command(args, models.at(scheme_of(point)).first);
      const std::vector<std::string> values = sweep::point_values(axes, point);
      for (size_t a = 0; a < axes.size(); ++a) {
        if (axes[a].key == sweep::kSchemeAxis) continue;
        argv.emplace_back("--set");
        argv.push_back(axes[a].key + "=" + values[a]);
      }
      argv.emplace_back("--report");
      argv.push_back(r.report.string());
      spdlog::debug("sweep: point {}: {}", point, fmt::join(argv, " "));
      const pid_t pid = spawn(argv, r.err);
      if (pid < 0) {
        finish_error(rows[slot], fmt::format("cannot start etchsim: {}", std::strerror(errno)));
        ++done;
        ++failed;
        continue;
      }
      running.emplace(pid, std::move(r));
    }
    if (running.empty()) continue;
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "waitpid");
    }
    const auto it = running.find(pid);
    if (it == running.end()) continue;
    const Running r = it->second;
    running.erase(it);
    Row& row = rows[r.slot];
    bool ok = false;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      try {
        finish_ok(row, Json::parse(read_file(r.report)),
                  models.at(scheme_of(points[r.slot])).second);
        ok = true;
      } catch (const std::exception& e) {
        finish_error(row, fmt::format("no report: {}", e.what()));
      }
    } else {
      finish_error(row, failure_message(r.err, status));
    }
    ++done;
    if (!ok) {
      ++failed;
      spdlog::debug("sweep: point {} failed: {}", points[r.slot], row.back().second.dump());
    }
    progress.update_items(done, points.size(), fmt::format("{} failed", failed));
  }
  progress.finish();
  return rows;
}

size_t count_failed(const sweep::Table& table) {
  size_t failed = 0;
  for (const Row& row : table.rows) {
    for (const auto& [column, value] : row) {
      if (column == "status" && value != "ok") ++failed;
    }
  }
  return failed;
}

int finish(const SweepArgs& args, std::vector<Row> rows) {
  const sweep::Table table = sweep::make_table(std::move(rows));
  write_output(args.output, table);
  const size_t failed = count_failed(table);
  spdlog::info("sweep: {} point(s), {} failed{}", table.rows.size(), failed,
               args.output.empty() || args.output == "-" ? "" : ", written to " + args.output);
  return failed == 0 ? 0 : 2;
}

int run_merge(const SweepArgs& args) {
  if (!args.vary.empty() || args.point || args.dry_run) {
    throw std::invalid_argument("--merge takes row files and -o only");
  }
  output_format(args.output);
  std::vector<Row> rows;
  for (const std::string& file : args.merge) {
    const std::string text = read_file(file);
    try {
      std::vector<Row> part = fs::path(file).extension() == ".json" ? sweep::rows_from_json(text)
                                                                    : sweep::rows_from_csv(text);
      for (Row& row : part) rows.push_back(std::move(row));
    } catch (const std::exception& e) {
      throw std::invalid_argument(fmt::format("--merge {}: {}", file, e.what()));
    }
  }
  return finish(args, std::move(rows));
}

int run_sweep(const SweepArgs& args) {
  if (!args.merge.empty()) return run_merge(args);
  if (args.vary.empty()) throw std::invalid_argument("--vary key=v1,v2,... is required");
  std::vector<sweep::Axis> axes;
  for (const std::string& spec : args.vary) axes.push_back(sweep::parse_vary(spec));
  const size_t total = sweep::point_count(axes);
  output_format(args.output);
  validate(args, axes);

  if (args.dry_run) {
    for (size_t p = 0; p < total; ++p) {
      const std::vector<std::string> values = sweep::point_values(axes, p);
      std::string line = std::to_string(p);
      for (size_t a = 0; a < axes.size(); ++a) line += " " + axes[a].key + "=" + values[a];
      fmt::print("{}\n", line);
    }
    return 0;
  }
  std::vector<size_t> points;
  if (args.point) {
    if (*args.point >= total) {
      throw std::invalid_argument(
          fmt::format("--point {}: the sweep has points 0 to {}", *args.point, total - 1));
    }
    points.push_back(*args.point);
  } else {
    for (size_t p = 0; p < total; ++p) points.push_back(p);
  }
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  const unsigned jobs =
      static_cast<unsigned>(std::min<size_t>(args.jobs == 0 ? hw : args.jobs, points.size()));
  spdlog::info("sweep: {} point(s), {} at a time", points.size(), jobs);
  return finish(args, run_points(args, axes, points, jobs));
}

}  // namespace

CommandRunner register_sweep(CLI::App& app) {
  auto args = std::make_shared<SweepArgs>();
  app.add_option("model", args->model, "GGUF model file, passed to every run")
      ->check(CLI::ExistingFile);
  app.add_option("--config", args->config,
                 "Chip configuration TOML (default: configs/hc1.toml, built in)")
      ->check(CLI::ExistingFile);
  app.add_option("--vary", args->vary,
                 "key=v1,v2,... or key=FROM:TO:STEP (repeatable; the cartesian product is "
                 "swept; a bare key name means the one section.key ending in it)")
      ->allow_extra_args(false);
  app.add_option("--jobs,-j", args->jobs, "Points run at once (default: hardware threads)")
      ->check(positive_number());
  app.add_option("-o,--output", args->output,
                 "Output table: FILE.csv or FILE.json (default: CSV on stdout)");
  app.add_flag("--dry-run", args->dry_run,
               "Only list the points, one a line: INDEX key=value ... (nothing runs)");
  app.add_option("--point", args->point, "Run only point I (0-based; see --dry-run): one row");
  app.add_option("--merge", args->merge,
                 "Join row files written by --point (CSV or JSON) into one table, by point");
  app.add_option("--text", args->text,
                 "Text file: each point's model file gets its perplexity (and, with --vary "
                 "scheme, KL divergence and top-1 agreement against MODEL.gguf) as quality.*")
      ->check(CLI::ExistingFile);
  app.add_option("--ctx", args->n_ctx, "As etchsim perplexity --ctx (default 512)")
      ->check(CLI::Range(4, 1 << 24));
  app.add_option("--chunks", args->n_chunks, "As etchsim perplexity --chunks (default: all)")
      ->check(CLI::Range(1, 1 << 30));
  app.add_option("--quant-cache", args->quant_cache,
                 "Directory of the quantized files of --vary scheme (default: "
                 "$XDG_CACHE_HOME/etchsim/quantized or ~/.cache/etchsim/quantized)");
  app.add_option("--set", args->sets, "Fixed config override for every point (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--shape", args->shape, "As etchsim run: model shape without a model file");
  app.add_option("--weights", args->weights, "As etchsim run: weight types without a model file");
  app.add_option("--prompt", args->prompt, "As etchsim run: prompt text");
  app.add_option("--tokens", args->tokens, "As etchsim run: prompt token ids");
  app.add_option("--prompt-len", args->prompt_len, "As etchsim run: prompt of N token ids")
      ->check(positive_number());
  app.add_option("-n", args->n_generate, "As etchsim run: tokens generated per user")
      ->check(non_negative_number());
  app.add_option("--users", args->users, "As etchsim run: users")->check(positive_number());
  app.add_option("--workload", args->workload, "As etchsim run: requests (JSONL file or name)");
  app.add_option("--lora", args->lora, "As etchsim run: LoRA adapter every user is bound to")
      ->check(CLI::ExistingFile);
  app.add_option("--lora-scale", args->lora_scale, "As etchsim run: the adapters' scale");
  app.add_option("--mode", args->mode, "As etchsim run: functional or timing")
      ->check(CLI::IsMember({"functional", "timing"}));
  app.add_option("--clocking", args->clocking, "As etchsim run: skip or lockstep")
      ->check(CLI::IsMember({"skip", "lockstep"}));
  return [args] { return run_sweep(*args); };
}

}  // namespace etchsim::cli
