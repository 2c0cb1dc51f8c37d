#include "etchsim/sim/run.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <span>
#include <stdexcept>
#include <systemc>

#include "etchsim/arch/cell_counts.hpp"
#include "etchsim/arch/timing.hpp"
#include "etchsim/arch/unit_registry.hpp"
#include "etchsim/chip/chip.hpp"
#include "etchsim/gguf/reader.hpp"
#include "etchsim/golden/layer_datapath.hpp"
#include "etchsim/host/host.hpp"
#include "etchsim/model/llama_model.hpp"
#include "etchsim/model/lora_adapter.hpp"
#include "etchsim/sim/workload.hpp"
#include "rtl_loop.hpp"
#include "trace_output.hpp"

namespace etchsim::sim {
namespace {

// SystemC time in etchsim runs counts cycles: one clock period is 1 ns (docs/run.md).
const sc_core::sc_time kCycle(1, sc_core::SC_NS);

void check_workload(const RunOptions& o) {
  if (o.users.empty()) throw std::invalid_argument("the workload has no users");
  for (size_t u = 0; u < o.users.size(); ++u) {
    const UserRequest& r = o.users[u];
    if (r.prompt.empty()) throw std::invalid_argument(fmt::format("user {}'s prompt is empty", u));
    if (r.arrival_cycle > kMaxArrivalCycle) {
      throw std::invalid_argument(
          fmt::format("user {}: arrival cycle {} is beyond the last cycle a run can reach (2^50)",
                      u, r.arrival_cycle));
    }
    for (const int32_t t : r.prompt) {
      if (t < 0 || static_cast<uint32_t>(t) >= o.shape.n_vocab) {
        throw std::invalid_argument(
            fmt::format("user {}: token id {} is outside the vocabulary "
                        "[0, {})",
                        u, t, o.shape.n_vocab));
      }
    }
    const uint64_t positions = r.prompt.size() + r.n_generate;
    if (o.shape.n_ctx > 0 && positions > o.shape.n_ctx) {
      throw std::invalid_argument(
          fmt::format("user {}: {} prompt + {} generated tokens exceed the model's context of {}",
                      u, r.prompt.size(), r.n_generate, o.shape.n_ctx));
    }
    // A request whose KV cache alone exceeds the KV SRAM could never be admitted.
    const uint64_t row_bytes = arch::ceil_div(
        arch::kv_row_geometry(o.shape.n_head_kv, o.shape.head_dim(), o.config.kv_sram).row_bits,
        uint64_t{8});
    const uint64_t need = positions * 2 * o.shape.n_layer * row_bytes;
    const auto capacity = static_cast<uint64_t>(o.config.kv_sram.capacity_mib * 1024.0 * 1024.0);
    if (need > capacity) {
      throw std::invalid_argument(fmt::format(
          "user {} can never be admitted: its KV cache ({} prompt + {} generated positions, "
          "{:.3f} MiB) exceeds the whole KV SRAM of {:.3f} MiB (kv_sram.capacity_mib)",
          u, r.prompt.size(), r.n_generate, static_cast<double>(need) / 1048576.0,
          static_cast<double>(capacity) / 1048576.0));
    }
  }
  const std::string& admission = o.config.serving.admission;
  if (admission != "queue" && admission != "refuse") {
    throw std::invalid_argument(
        fmt::format("serving.admission: '{}' is not one of queue, refuse", admission));
  }
}

// The distinct adapters the users name, in order of first use, read and checked against the
// model's shape (errors name the file); each user's index into them.
struct Adapters {
  std::vector<host::Adapter> images;
  std::vector<uint32_t> of_user;
};

std::vector<std::byte> read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::invalid_argument(fmt::format("{}: cannot open the LoRA adapter file", path));
  std::vector<std::byte> bytes(static_cast<size_t>(in.tellg()));
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size())))
    throw std::invalid_argument(fmt::format("{}: cannot read the LoRA adapter file", path));
  return bytes;
}

Adapters read_adapters(const RunOptions& o) {
  Adapters a;
  std::map<std::string, uint32_t> index;
  for (const UserRequest& r : o.users) {
    if (r.adapter.empty()) {
      a.of_user.push_back(host::kNoAdapter);
      continue;
    }
    const auto [it, inserted] = index.try_emplace(r.adapter, static_cast<uint32_t>(index.size()));
    a.of_user.push_back(it->second);
    if (!inserted) continue;
    if (o.config.lora_sram.capacity_mib <= 0) {
      throw std::invalid_argument(fmt::format(
          "{}: the chip has no LoRA SRAM (lora_sram.capacity_mib = 0) to load it into", r.adapter));
    }
    host::Adapter image{.name = r.adapter,
                        .image = read_file_bytes(r.adapter),
                        .scale = o.lora_scale,
                        .tensor_bytes = 0};
    if (image.image.size() > UINT32_MAX) {
      throw std::invalid_argument(
          fmt::format("{}: {} bytes; the chip's loader takes adapter images up to 4 GiB", r.adapter,
                      image.image.size()));
    }
    const gguf::GgufFile file = gguf::GgufFile::parse(image.image, r.adapter);
    image.tensor_bytes = model::LoraAdapter(file, o.shape).tensor_bytes();
    a.images.push_back(std::move(image));
  }
  return a;
}

std::vector<OccupancySample> thin(std::vector<OccupancySample> samples) {
  if (samples.size() <= kMaxOccupancySamples) return samples;
  std::vector<OccupancySample> out;
  const size_t n = samples.size(), m = kMaxOccupancySamples;
  for (size_t i = 0; i < m; ++i) out.push_back(samples[i * (n - 1) / (m - 1)]);
  return out;
}

double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

uint32_t longest_sequence(const RunOptions& o) {
  uint64_t longest = 1;
  for (const UserRequest& r : o.users)
    longest = std::max<uint64_t>(longest, r.prompt.size() + r.n_generate);
  return static_cast<uint32_t>(longest);
}

std::map<std::string, uint64_t> weight_cells(const RunOptions& o,
                                             const arch::ModelWeightTypes& types) {
  const model::LlamaShape& s = o.shape;
  const bool allow_float = o.config.weight_cells.allow_f16_weights;
  const uint64_t embd = s.n_embd, q = uint64_t{s.n_head} * s.head_dim(), kv = s.n_embd_kv();
  struct Matrix {
    gguf::GgmlType type;
    uint64_t rows, cols;
  };
  std::map<std::string, uint64_t> cells;
  auto add = [&](const Matrix& m, uint64_t copies) {
    const arch::MatrixCells c = arch::matrix_cells(m.type, m.rows, m.cols, allow_float);
    cells[std::string(gguf::traits(m.type).name)] += c.weight_cells * copies;
  };
  // Each layer its own types; alike layers are counted once times n_layer.
  const uint32_t distinct = types.uniform() ? 1 : s.n_layer;
  const uint64_t copies = types.uniform() ? s.n_layer : 1;
  for (uint32_t l = 0; l < distinct; ++l) {
    const arch::WeightTypes& t = types.layer(l);
    for (const Matrix& m :
         {Matrix{t.q, q, embd}, Matrix{t.k, kv, embd}, Matrix{t.v, kv, embd}, Matrix{t.o, embd, q},
          Matrix{t.gate, s.n_ff, embd}, Matrix{t.up, s.n_ff, embd}, Matrix{t.down, embd, s.n_ff}}) {
      add(m, copies);
    }
  }
  add({types.head().output, s.n_vocab, embd}, 1);
  return cells;
}

UserResult user_result(const host::UserTrace& trace, double clock_hz) {
  UserResult u;
  u.tokens = trace.generated;
  u.tokens_generated = trace.generated.size();
  u.status = trace.refused ? "refused" : "done";
  u.arrival_cycle = trace.arrival_cycle;
  u.admitted_cycle = trace.admitted_cycle;
  u.closed_cycle = trace.closed_cycle;
  u.first_input_cycle = trace.first_input_cycle;
  if (!trace.token_cycles.empty()) {
    u.first_token_cycle = trace.token_cycles.front();
    u.last_token_cycle = trace.token_cycles.back();
    u.ttft_cycles = u.first_token_cycle - u.arrival_cycle;
  }
  if (trace.token_cycles.size() > 1) {
    u.tpot_cycles = static_cast<double>(u.last_token_cycle - u.first_token_cycle) /
                    static_cast<double>(trace.token_cycles.size() - 1);
    u.tokens_per_s = clock_hz / u.tpot_cycles;
  }
  return u;
}

LayerResult stage_result(std::string name, const chip::Pipeline& pipeline, uint32_t stage,
                         const std::vector<std::unique_ptr<chip::PipelineUnit>>& units,
                         uint64_t cycles) {
  LayerResult r;
  r.name = std::move(name);
  r.busy_cycles = pipeline.stage_busy_cycles(stage, cycles);
  r.utilization = cycles > 0 ? static_cast<double>(r.busy_cycles) / static_cast<double>(cycles) : 0;
  for (const auto& unit : units) {
    r.units.push_back({unit->name(), unit->busy_cycles(cycles), unit->tokens(),
                       unit->stalled_cycles(), unit->longest_stall()});
  }
  return r;
}

// A stage's units are the unit registry's `table` (layer_units / head_units), in order: the chip
// builds them from it.
template <class Unit>
arch::RunActivity::Stage<Unit> stage_activity(const LayerResult& layer,
                                              std::span<const arch::UnitInfo> table) {
  if (layer.units.size() != table.size()) {
    throw std::logic_error(fmt::format("stage {} has {} units, the unit registry {}", layer.name,
                                       layer.units.size(), table.size()));
  }
  arch::RunActivity::Stage<Unit> stage;
  stage.busy_cycles = layer.busy_cycles;
  for (size_t i = 0; i < table.size(); ++i) {
    if (layer.units[i].name != table[i].name) {
      throw std::logic_error(fmt::format("stage {}: unit {} is {}, the unit registry's {}",
                                         layer.name, i, layer.units[i].name, table[i].name));
    }
    stage.unit_tokens.emplace_back(std::get<Unit>(table[i].step), layer.units[i].tokens);
  }
  return stage;
}

// Area from the chip's structure; energy from what the run counted: tokens through every unit,
// KV SRAM rows, host bytes (one fp32 embedding in and one 16-byte token entry out per token).
void add_energy_and_area(RunResult& r, const RunOptions& o, const arch::ModelWeightTypes& types,
                         const chip::Chip& chip) {
  r.area = arch::chip_area(o.config, o.shape, types);
  arch::RunActivity a;
  for (size_t i = 0; i + 1 < r.layers.size(); ++i) {
    a.layers.push_back(stage_activity<golden::LayerUnit>(r.layers[i], arch::layer_units()));
  }
  if (!r.layers.empty()) {
    a.lm_head = stage_activity<golden::HeadUnit>(r.layers.back(), arch::head_units());
  }
  const chip::KvSram& kv = chip.kv_sram();
  a.kv_bits_read = kv.bits_read();
  a.kv_bits_written = kv.bits_written();
  a.kv_rows_read = kv.rows_read();
  const chip::LoraSram& lora = chip.lora_sram();
  a.lora_bits_read = lora.bits_read();
  a.lora_bits_written = lora.bits_written();
  a.lora_macs = lora.macs();
  const uint64_t tokens_in = r.layers.empty() || r.layers.front().units.empty()
                                 ? 0
                                 : r.layers.front().units.front().tokens;
  a.host_bytes = tokens_in * (uint64_t{o.shape.n_embd} * sizeof(float) + arch::kTokenEntryBytes);
  a.cycles = r.cycles_total;
  r.energy_j = arch::run_energy(o.config, o.shape, types, r.area, a);
  r.kv_bits_read = a.kv_bits_read;
  r.kv_bits_written = a.kv_bits_written;
  const double joules = r.energy_j.total();
  const double seconds = static_cast<double>(r.cycles_total) / r.clock_hz;
  const auto tokens = static_cast<double>(r.tokens_generated);
  r.energy_j_per_token = tokens > 0 ? joules / tokens : 0;
  r.power_w = seconds > 0 ? joules / seconds : 0;
  r.tokens_per_joule = joules > 0 ? tokens / joules : 0;
}

}  // namespace

Percentiles nearest_rank_percentiles(std::vector<double> values) {
  Percentiles p;
  if (values.empty()) return p;
  std::sort(values.begin(), values.end());
  const auto rank = [&values](double percent) {
    const auto n = static_cast<double>(values.size());
    const auto r = static_cast<size_t>(std::ceil(percent / 100.0 * n));
    return values[std::clamp<size_t>(r, 1, values.size()) - 1];
  };
  p.p50 = rank(50);
  p.p90 = rank(90);
  p.p99 = rank(99);
  return p;
}

arch::ModelWeightTypes model_weight_types(const model::LlamaModel& model) {
  if (model.layers().empty()) throw std::invalid_argument("the model has no layers");
  std::vector<arch::WeightTypes> layers;
  for (const model::LayerWeights& l : model.layers()) {
    layers.push_back({l.attn_q.type, l.attn_k.type, l.attn_v.type, l.attn_output.type,
                      l.ffn_gate.type, l.ffn_up.type, l.ffn_down.type, model.output().type});
  }
  return arch::ModelWeightTypes(std::move(layers));
}

RunResult run(const RunOptions& o, const gguf::GgufFile* file) {
  // SystemC's informational notes ("tracing timescale unit set", "Simulation stopped by user.")
  // would land on stdout, which carries only results.
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  o.shape.validate();
  o.weight_types.check_layer_count(o.shape.n_layer);
  check_workload(o);
  const bool functional = o.mode == Mode::Functional;
  if (functional && file == nullptr) {
    throw std::invalid_argument("a functional run needs a GGUF model file");
  }
  std::unique_ptr<model::LlamaModel> model;
  std::unique_ptr<golden::LayerDatapath> datapath;
  if (!o.rtl_units.empty() && file == nullptr) {
    throw std::invalid_argument("--rtl-units needs a GGUF model file: the RTL is its weights");
  }
  if (functional || !o.rtl_units.empty()) model = std::make_unique<model::LlamaModel>(*file);
  // Built (Verilator) before the chip, destroyed after it.
  std::unique_ptr<RtlLoop> rtl_loop;
  if (!o.rtl_units.empty()) rtl_loop = std::make_unique<RtlLoop>(o, *model);
  if (functional) {
    datapath = std::make_unique<golden::LayerDatapath>(*model, o.profile, numerics::Kernel::Fast);
  }

  chip::ChipParams params{.config = o.config,
                          .shape = o.shape,
                          .types = model ? model_weight_types(*model) : o.weight_types,
                          .max_positions = longest_sequence(o),
                          .datapath = datapath.get(),
                          .sampling = o.sampling,
                          .lockstep = o.clocking == Clocking::Lockstep,
                          .clock_period = kCycle,
                          .timing_overrides = rtl_loop ? rtl_loop->overrides()
                                                       : std::vector<chip::UnitTimingOverride>{}};
  Adapters adapters = read_adapters(o);
  chip::Chip chip("chip", params);
  std::vector<host::Request> requests;
  for (size_t u = 0; u < o.users.size(); ++u) {
    const UserRequest& r = o.users[u];
    requests.push_back({r.prompt, r.n_generate, r.arrival_cycle, adapters.of_user[u]});
  }
  std::vector<std::string> adapter_names;
  for (const host::Adapter& a : adapters.images) adapter_names.push_back(a.name);
  // Timing only: the link carries the bytes, whatever they are; the host's buffer starts zeroed
  // and nothing writes it (zeroing 4 * n_embd bytes per token cost more than the chip model).
  host::Host::EmbedFn embed = [](int32_t, std::span<float>) {};
  if (functional) {
    embed = [dp = datapath.get()](int32_t token, std::span<float> out) {
      dp->embedding(token, out);
    };
  }
  const host::Policy policy{.admission = o.config.serving.admission == "refuse"
                                             ? host::Admission::Refuse
                                             : host::Admission::Queue,
                            .max_users = o.config.serving.max_users};
  host::Host host("host", std::move(requests), o.shape.n_embd, std::move(embed), kCycle, policy,
                  std::move(adapters.images));
  host.socket.bind(chip.host_socket);

  RunResult result;
  std::vector<OccupancySample> occupancy;
  host.on_change([&occupancy, &chip](uint64_t cycle, uint32_t users) {
    occupancy.push_back({.cycle = cycle,
                         .users = users,
                         .kv_reserved_bytes = chip.kv_sram().reserved_bytes(),
                         .kv_occupied_bytes = chip.kv_sram().occupied_bytes(),
                         .lora_bytes = chip.lora_sram().used_bytes()});
  });
  result.users.resize(o.users.size());
  uint64_t tokens_total = 0;
  for (const UserRequest& r : o.users) tokens_total += r.prompt.size() + r.n_generate;
  if (o.keep_logits || o.on_token) {
    chip.on_logits([&result, &host, &o, tokens_total, done = uint64_t{0}](
                       const chip::TokenTag& tag, std::span<const float> logits) mutable {
      if (o.keep_logits) {
        result.users.at(host.user_of(tag.seq)).logits.emplace_back(logits.begin(), logits.end());
      }
      if (o.on_token) o.on_token(++done, tokens_total);
    });
  }
  std::unique_ptr<TraceOutput> trace;
  if (!o.trace.vcd.empty() || !o.trace.timeline.empty()) {
    trace = std::make_unique<TraceOutput>(o.trace, chip, o.shape.n_layer, tokens_total);
  }

  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = process_cpu_seconds();
  sc_core::sc_start();
  result.cpu_seconds = process_cpu_seconds() - cpu_start;
  result.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!host.finished()) {
    throw std::invalid_argument(host.error().empty() ? "the run stopped before every token was "
                                                       "generated"
                                                     : host.error());
  }
  if (trace) {
    trace->finish(host.users(), host.last_cycle(), o.config.clock_hz(), functional,
                  !adapter_names.empty());
  }

  result.model = o.model_name;
  result.mode = functional ? "functional" : "timing";
  result.clocking = o.clocking == Clocking::Lockstep ? "lockstep" : "skip";
  result.config = o.config;
  result.clock_hz = o.config.clock_hz();
  result.cycles_total = host.last_cycle();
  result.wakes = chip.wakes();
  if (rtl_loop) result.rtl_units = rtl_loop->results();
  double per_user_sum = 0;
  std::vector<double> ttft, tpot;
  for (size_t u = 0; u < o.users.size(); ++u) {
    std::vector<std::vector<float>> logits = std::move(result.users[u].logits);
    result.users[u] = user_result(host.users()[u], result.clock_hz);
    result.users[u].logits = std::move(logits);
    result.users[u].adapter = o.users[u].adapter;
    result.tokens_generated += result.users[u].tokens_generated;
    if (!functional) result.users[u].tokens.clear();
    if (host.users()[u].refused) {
      ++result.requests_refused;
      continue;
    }
    ++result.requests_done;
    per_user_sum += result.users[u].tokens_per_s;
    if (result.users[u].tokens_generated > 0)
      ttft.push_back(static_cast<double>(result.users[u].ttft_cycles));
    if (result.users[u].tokens_generated > 1) tpot.push_back(result.users[u].tpot_cycles);
  }
  result.tokens_per_s_per_user =
      result.requests_done > 0 ? per_user_sum / static_cast<double>(result.requests_done) : 0;
  result.ttft_cycles = nearest_rank_percentiles(std::move(ttft));
  result.tpot_cycles = nearest_rank_percentiles(std::move(tpot));
  result.peak_users = host.peak_users();
  result.occupancy = thin(std::move(occupancy));
  const double seconds = static_cast<double>(result.cycles_total) / result.clock_hz;
  result.tokens_per_s_aggregate =
      seconds > 0 ? static_cast<double>(result.tokens_generated) / seconds : 0;
  const chip::Pipeline& pipeline = chip.pipeline();
  for (const auto& layer : chip.layers()) {
    result.layers.push_back(stage_result(layer->basename(), pipeline, layer->layer() + 1,
                                         layer->units(), result.cycles_total));
  }
  result.layers.push_back(stage_result("lm_head", pipeline, o.shape.n_layer + 1,
                                       chip.lm_head().units(), result.cycles_total));
  result.kv_capacity_bytes = chip.kv_sram().capacity_bytes();
  result.kv_peak_bytes = chip.kv_sram().peak_bytes();
  result.lora_capacity_bytes = chip.lora_sram().capacity_bytes();
  result.lora_peak_bytes = chip.lora_sram().peak_bytes();
  for (size_t i = 0; i < host.adapter_loads().size(); ++i) {
    const host::AdapterLoad& load = host.adapter_loads()[i];
    result.adapters.push_back({adapter_names[i], load.slot, load.end_cycle - load.begin_cycle, 0});
  }
  for (const UserResult& u : result.users) {
    for (AdapterResult& a : result.adapters) {
      if (a.name == u.adapter && u.status == "done") ++a.requests;
    }
  }
  result.cells = weight_cells(o, params.types);
  add_energy_and_area(result, o, params.types, chip);
  return result;
}

}  // namespace etchsim::sim
