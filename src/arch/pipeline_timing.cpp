#include "etchsim/arch/pipeline_timing.hpp"

#include <algorithm>

#include "etchsim/arch/unit_registry.hpp"

namespace etchsim::arch {
namespace {

void add(StageTiming& stage, std::string_view unit, UnitTiming timing) {
  stage.units.push_back({unit, timing});
  stage.latency += timing.latency;
  stage.interval = std::max(stage.interval, timing.interval);
}

}  // namespace

StageTiming layer_timing(const ChipConfig& config, const model::LlamaShape& shape,
                         const WeightTypes& t, uint64_t n_pos, bool allow_float) {
  const UnitContext c{config, shape, t, n_pos, allow_float};
  StageTiming s;
  for (const UnitInfo& u : layer_units()) add(s, u.name, u.timing(c));
  return s;
}

StageTiming lm_head_timing(const ChipConfig& config, const model::LlamaShape& shape,
                           const WeightTypes& t, bool allow_float) {
  const UnitContext c{config, shape, t, 1, allow_float};
  StageTiming s;
  for (const UnitInfo& u : head_units()) add(s, u.name, u.timing(c));
  return s;
}

UnitTiming host_in_timing(const HostConfig& host) { return {host.latency_cycles, 1}; }

UnitTiming host_out_timing(const HostConfig& host) {
  return host_transfer_timing(kTokenEntryBytes, host);
}

uint64_t embedding_transfer_cycles(const model::LlamaShape& shape, const HostConfig& host) {
  return ceil_div(uint64_t{shape.n_embd} * sizeof(float), host.bytes_per_cycle);
}

TokenTiming token_timing(const ChipConfig& config, const model::LlamaShape& shape,
                         const ModelWeightTypes& types, uint64_t n_pos) {
  types.check_layer_count(shape.n_layer);
  const bool allow_float = config.weight_cells.allow_f16_weights;
  // Sum of the layers' latencies and the slowest layer's interval; alike layers are timed once.
  uint64_t layers_latency = 0;
  uint64_t layers_interval = 0;
  uint64_t layer_units = 0;
  const uint32_t distinct = types.uniform() ? 1 : shape.n_layer;
  for (uint32_t l = 0; l < distinct; ++l) {
    const StageTiming layer = layer_timing(config, shape, types.layer(l), n_pos, allow_float);
    const uint64_t copies = types.uniform() ? shape.n_layer : 1;
    layers_latency += copies * layer.latency;
    layers_interval = std::max(layers_interval, layer.interval);
    layer_units += copies * layer.units.size();
  }
  const StageTiming head = lm_head_timing(config, shape, types.head(), allow_float);
  const UnitTiming in = host_in_timing(config.host);
  const UnitTiming out = host_out_timing(config.host);
  const uint64_t units = 2 + layer_units + head.units.size();
  const uint64_t transfer = embedding_transfer_cycles(shape, config.host);
  return {
      transfer + in.latency + layers_latency + head.latency + out.latency + units * kRegisterCycles,
      std::max({layers_interval, head.interval, transfer, out.interval})};
}

Estimate estimate(const ChipConfig& config, const model::LlamaShape& shape,
                  const ModelWeightTypes& types, const Workload& workload) {
  Estimate e;
  const uint64_t prompt = std::max<uint64_t>(workload.prompt_tokens, 1);
  // Prefill: prompt token p enters one interval after token p - 1; the last one's latency ends
  // it. Interval and latency grow with the attended positions, so each is evaluated at its own.
  for (uint64_t p = 1; p < prompt; ++p)
    e.ttft_cycles += token_timing(config, shape, types, p).interval;
  e.ttft_cycles += token_timing(config, shape, types, prompt).latency;
  // Decode: generated token i (i >= 1) is fed back at position prompt + i - 1.
  for (uint64_t i = 1; i < workload.generated_tokens; ++i) {
    e.decode_cycles += token_timing(config, shape, types, prompt + i).latency;
  }
  const double hz = config.clock_hz();
  e.ttft_s = static_cast<double>(e.ttft_cycles) / hz;
  if (e.decode_cycles > 0) {
    e.tokens_per_s_per_user = static_cast<double>(workload.generated_tokens - 1) * hz /
                              static_cast<double>(e.decode_cycles);
  }
  const uint64_t n_pos = prompt + workload.generated_tokens;
  const KvRowGeometry g = kv_row_geometry(shape.n_head_kv, shape.head_dim(), config.kv_sram);
  e.kv_bytes_per_user = 2 * uint64_t{shape.n_layer} * n_pos * ceil_div(g.row_bits, 8);
  const double capacity = config.kv_sram.capacity_mib * 1024.0 * 1024.0;
  e.max_users = static_cast<uint64_t>(capacity / static_cast<double>(e.kv_bytes_per_user));
  const TokenTiming last = token_timing(config, shape, types, n_pos);
  const double pipeline_cap = hz / static_cast<double>(last.interval);
  e.tokens_per_s_aggregate =
      std::min(static_cast<double>(e.max_users) * e.tokens_per_s_per_user, pipeline_cap);
  return e;
}

}  // namespace etchsim::arch
