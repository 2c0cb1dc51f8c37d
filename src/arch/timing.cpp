#include "etchsim/arch/timing.hpp"

#include <algorithm>

namespace etchsim::arch {

uint32_t ceil_log2(uint64_t n) {
  uint32_t bits = 0;
  while ((uint64_t{1} << bits) < n) ++bits;
  return bits;
}

uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

uint32_t adder_tree_depth(uint64_t fan_in) { return ceil_log2(fan_in); }

uint64_t register_stages(uint64_t levels, uint32_t levels_per_stage) {
  return ceil_div(levels, levels_per_stage);
}

UnitTiming matvec_timing(uint64_t cols, const DatapathConfig& dp, uint32_t cells_per_weight) {
  const uint64_t passes = ceil_div(cols, dp.activation_lanes);
  const uint64_t depth = adder_tree_depth(dp.activation_lanes) + (cells_per_weight > 1 ? 1 : 0);
  return {passes + register_stages(depth, dp.adder_levels_per_stage) + kScaleAccumulateCycles,
          passes};
}

UnitTiming rms_norm_timing(uint64_t n, const DatapathConfig& dp) {
  const uint64_t pass = ceil_div(n, dp.vector_lanes);
  const uint64_t reduce =
      register_stages(adder_tree_depth(dp.vector_lanes), dp.adder_levels_per_stage);
  return {pass + reduce + dp.special_fn_latency + pass, pass};
}

UnitTiming quantize_timing(uint64_t n, const DatapathConfig& dp) {
  const uint64_t pass = ceil_div(n, dp.vector_lanes);
  return {pass + dp.special_fn_latency + pass, pass};
}

UnitTiming rope_timing(uint64_t n, const DatapathConfig& dp) {
  const uint64_t pass = ceil_div(n, dp.vector_lanes);
  return {dp.special_fn_latency + pass, pass};
}

UnitTiming silu_mul_timing(uint64_t n, const DatapathConfig& dp) {
  const uint64_t pass = ceil_div(n, dp.vector_lanes);
  return {pass + dp.special_fn_latency + kFpOpCycles, pass};
}

UnitTiming residual_timing(uint64_t n, const DatapathConfig& dp) {
  const uint64_t pass = ceil_div(n, dp.vector_lanes);
  return {pass + kFpOpCycles, pass};
}

UnitTiming argmax_timing(uint64_t n, const DatapathConfig& dp) {
  return {std::max<uint64_t>(1, register_stages(adder_tree_depth(n), dp.adder_levels_per_stage)),
          1};
}

KvRowGeometry kv_row_geometry(uint32_t n_head_kv, uint32_t head_dim, const KvSramConfig& kv) {
  KvRowGeometry g;
  // i8 keeps one f32 scale per head vector (numerics/kv_cache.hpp).
  const uint64_t scale_bits = kv.element == KvElement::I8 ? 32 : 0;
  g.row_bits =
      uint64_t{n_head_kv} * (uint64_t{head_dim} * kv_element_bits(kv.element) + scale_bits);
  g.banks_per_row = ceil_div(g.row_bits, kv.word_bits);
  g.rows_per_cycle = kv.banks / g.banks_per_row;
  g.cycles_per_row = ceil_div(g.banks_per_row, kv.banks);
  return g;
}

uint64_t kv_read_cycles(uint64_t n_pos, const KvRowGeometry& geometry) {
  if (geometry.rows_per_cycle > 0) return ceil_div(n_pos, geometry.rows_per_cycle);
  return n_pos * geometry.cycles_per_row;
}

UnitTiming attention_timing(uint64_t n_pos, const AttentionShape& shape, const ChipConfig& config) {
  const auto& kv = config.kv_sram;
  const auto& dp = config.datapath;
  const KvRowGeometry g = kv_row_geometry(shape.n_head_kv, shape.head_dim, kv);
  const uint64_t write_stall = kv.ports_per_bank >= 2 ? 0 : 2 * g.cycles_per_row;
  const uint64_t pass = kv_read_cycles(n_pos, g);
  const uint64_t dot_stages =
      register_stages(adder_tree_depth(shape.head_dim), dp.adder_levels_per_stage);
  const uint64_t k_pass = kv.read_latency + pass + dot_stages;
  const uint64_t v_pass = dp.special_fn_latency + kv.read_latency + pass;
  const uint64_t finish = dp.special_fn_latency + kFpOpCycles;
  const uint64_t latency = kv.write_latency + write_stall + k_pass + v_pass + finish;
  // The controller is in order (checked by the KV schedule RTL, src/rtl/kv_schedule_rtl.cpp):
  // the V pass waits for the last score (the max), so the SRAM idles between the passes; the
  // next token is taken in the cycle of the last V read, and only the V data register, the
  // reciprocal and the normalise (read_latency + F + 1) overlap it.
  return {latency, latency - (kv.read_latency + finish)};
}

UnitTiming host_transfer_timing(uint64_t bytes, const HostConfig& host) {
  const uint64_t transfer = ceil_div(bytes, host.bytes_per_cycle);
  return {host.latency_cycles + transfer, transfer};
}

}  // namespace etchsim::arch
