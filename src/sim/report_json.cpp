// The JSON report and the summary table of one run (docs/run.md lists every field).
#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <stdexcept>
#include <string_view>

#include "etchsim/arch/config_keys.hpp"
#include "etchsim/io/output_path.hpp"
#include "etchsim/sim/report.hpp"

namespace etchsim::sim {
namespace {

using nlohmann::json;

double seconds_of(double cycles, double clock_hz) { return clock_hz > 0 ? cycles / clock_hz : 0; }

// Every key of config_keys(), nested by section ({"clock": {"clock_mhz": 500.0}, ...}), with the
// values to_toml() writes: one source of truth for names, types and formatting.
json config_json(const arch::ChipConfig& config) {
  const std::string text = arch::to_toml(config);
  const toml::table table =
      toml::parse(std::string_view(text), std::string_view("resolved config"));
  json out = json::object();
  for (const arch::ConfigKey& key : arch::config_keys()) {
    const toml::node_view<const toml::node> node = table.at_path(key.key);
    const size_t dot = key.key.find('.');
    json& slot = out[std::string(key.key.substr(0, dot))][std::string(key.key.substr(dot + 1))];
    switch (key.kind) {
      case arch::KeyKind::Integer:
        slot = node.value<int64_t>().value_or(0);
        break;
      case arch::KeyKind::Real:
        slot = node.value<double>().value_or(0.0);
        break;
      case arch::KeyKind::Boolean:
        slot = node.value<bool>().value_or(false);
        break;
      case arch::KeyKind::Text:
        slot = node.value<std::string>().value_or("");
        break;
    }
  }
  return out;
}

json user_json(const UserResult& user, double clock_hz) {
  return json{
      {"status", user.status},
      {"adapter", user.adapter},
      {"arrival_cycle", user.arrival_cycle},
      {"admitted_cycle", user.admitted_cycle},
      {"first_input_cycle", user.first_input_cycle},
      {"first_token_cycle", user.first_token_cycle},
      {"last_token_cycle", user.last_token_cycle},
      {"ttft_cycles", user.ttft_cycles},
      {"ttft_s", seconds_of(static_cast<double>(user.ttft_cycles), clock_hz)},
      {"tpot_cycles", user.tpot_cycles},
      {"closed_cycle", user.closed_cycle},
      {"tokens", user.tokens_generated},
      {"tokens_per_s", user.tokens_per_s},
      {"token_ids", user.tokens},
  };
}

json percentiles_json(const Percentiles& p) {
  return json{{"p50", p.p50}, {"p90", p.p90}, {"p99", p.p99}};
}

json serving_json(const RunResult& result) {
  json occupancy = json::array();
  for (const OccupancySample& s : result.occupancy) {
    occupancy.push_back(json{{"cycle", s.cycle},
                             {"users", s.users},
                             {"kv_reserved_bytes", s.kv_reserved_bytes},
                             {"kv_occupied_bytes", s.kv_occupied_bytes},
                             {"lora_bytes", s.lora_bytes}});
  }
  json adapters = json::array();
  for (const AdapterResult& a : result.adapters) {
    adapters.push_back(json{{"name", a.name},
                            {"slot", a.slot},
                            {"load_cycles", a.load_cycles},
                            {"requests", a.requests}});
  }
  return json{
      {"admission", result.config.serving.admission},
      {"max_users", result.config.serving.max_users},
      {"requests", result.users.size()},
      {"requests_done", result.requests_done},
      {"requests_refused", result.requests_refused},
      {"peak_users", result.peak_users},
      {"ttft_cycles", percentiles_json(result.ttft_cycles)},
      {"tpot_cycles", percentiles_json(result.tpot_cycles)},
      {"occupancy", std::move(occupancy)},
      {"lora_sram", json{{"capacity_bytes", result.lora_capacity_bytes},
                         {"peak_bytes", result.lora_peak_bytes},
                         {"adapters", std::move(adapters)}}},
  };
}

json layer_json(const LayerResult& layer) {
  json units = json::array();
  for (const UnitResult& unit : layer.units) {
    units.push_back(json{{"name", unit.name},
                         {"busy_cycles", unit.busy_cycles},
                         {"stalled_cycles", unit.stalled_cycles},
                         {"longest_stall_cycles", unit.longest_stall_cycles},
                         {"tokens", unit.tokens}});
  }
  return json{{"name", layer.name},
              {"busy_cycles", layer.busy_cycles},
              {"utilization", layer.utilization},
              {"units", std::move(units)}};
}

json energy_json(const arch::EnergySplit& e) {
  return json{{"weight_cells", e.weight_cells},
              {"product_banks", e.product_banks},
              {"adders", e.adders},
              {"registers", e.registers},
              {"vector_units", e.vector_units},
              {"kv_sram", e.kv_sram},
              {"lora", e.lora},
              {"host_link", e.host_link},
              {"leakage", e.leakage},
              {"clock", e.clock}};
}

json area_json(const arch::AreaBreakdown& a) {
  auto block = [](const arch::BlockArea& b) {
    return json{{"transistors", b.transistors}, {"mm2", b.mm2}};
  };
  return json{{"weight_cells", block(a.weight_cells)},
              {"product_banks", block(a.product_banks)},
              {"adders", block(a.adders)},
              {"registers", block(a.registers)},
              {"vector_units", block(a.vector_units)},
              {"kv_sram", block(a.kv_sram)},
              {"lora_sram", block(a.lora_sram)},
              {"control", block(a.control)},
              {"host_interface", block(a.host_interface)},
              // Not in the total: the bit-exact llama.cpp-order datapath (arch/area.hpp).
              {"bit_exact_not_in_total",
               {{"fp32_row_stages", block(a.bit_exact_fp32)},
                {"vec_dot_adders", block(a.bit_exact_adders)},
                {"total", block(a.bit_exact())}}}};
}

// RTL in the loop: per unit, what its Verilated RTL was stepped through (docs/rtl.md).
json rtl_units_json(const std::vector<RtlUnitResult>& units) {
  json out = json::array();
  for (const RtlUnitResult& u : units) {
    out.push_back({{"name", u.name},
                   {"rows", u.rows},
                   {"tokens", u.tokens},
                   {"rtl_cycles", u.rtl_cycles},
                   {"latency", u.first.latency},
                   {"interval", u.first.interval},
                   {"outputs_checked", u.outputs_checked},
                   {"mismatches", u.mismatches},
                   {"verilator_build_s", u.build_seconds}});
  }
  return out;
}

}  // namespace

json report_json(const RunResult& result) {
  json users = json::array();
  for (const UserResult& user : result.users) users.push_back(user_json(user, result.clock_hz));
  json layers = json::array();
  for (const LayerResult& layer : result.layers) layers.push_back(layer_json(layer));
  json cells = json::object();
  for (const auto& [type, count] : result.cells) cells[type] = count;
  const double seconds = seconds_of(static_cast<double>(result.cycles_total), result.clock_hz);
  const double per_wall_s = result.wall_seconds > 0
                                ? static_cast<double>(result.tokens_generated) / result.wall_seconds
                                : 0.0;
  return json{
      {"model", result.model},
      {"mode", result.mode},
      {"clocking", result.clocking},
      {"config", config_json(result.config)},
      {"clock_hz", result.clock_hz},
      {"cycles_total", result.cycles_total},
      {"seconds", seconds},
      {"tokens_generated", result.tokens_generated},
      {"users", std::move(users)},
      {"tokens_per_s_per_user", result.tokens_per_s_per_user},
      {"tokens_per_s_aggregate", result.tokens_per_s_aggregate},
      {"serving", serving_json(result)},
      {"layers", std::move(layers)},
      {"kv_sram", json{{"capacity_bytes", result.kv_capacity_bytes},
                       {"peak_bytes", result.kv_peak_bytes},
                       {"bits_read", result.kv_bits_read},
                       {"bits_written", result.kv_bits_written}}},
      {"cells", std::move(cells)},
      {"energy_j", result.energy_j.total()},
      {"energy_j_per_token", result.energy_j_per_token},
      {"power_w", result.power_w},
      {"tokens_per_joule", result.tokens_per_joule},
      {"energy_split_j", energy_json(result.energy_j)},
      {"transistors", result.area.transistors},
      {"area_mm2", result.area.mm2},
      {"area_split", area_json(result.area)},
      {"rtl_units", rtl_units_json(result.rtl_units)},
      {"simulation", json{{"wakes", result.wakes},
                          {"wall_seconds", result.wall_seconds},
                          {"cpu_seconds", result.cpu_seconds},
                          {"simulated_tokens_per_wall_s", per_wall_s}}},
  };
}

void write_report(const std::filesystem::path& path, const RunResult& result) {
  io::write_file_atomically(path, report_json(result).dump(2) + "\n");
}

std::string summary_table(const RunResult& result, const std::vector<size_t>& prompt_tokens) {
  const double hz = result.clock_hz;
  std::string out;
  auto line = [&out](const std::string& text) {
    out += text;
    out += '\n';
  };
  line(fmt::format("{:>4}  {:>7}  {:>9}  {:>12}  {:>12}  {:>14}", "user", "prompt", "generated",
                   "TTFT ms", "TPOT cycles", "tokens/s"));
  for (size_t i = 0; i < result.users.size(); ++i) {
    const UserResult& u = result.users[i];
    const std::string prompt = i < prompt_tokens.size() ? fmt::format("{}", prompt_tokens[i]) : "-";
    if (u.status == "refused") {
      line(fmt::format("{:>4}  {:>7}  {:>9}  refused at cycle {}", i, prompt, 0, u.arrival_cycle));
      continue;
    }
    line(fmt::format("{:>4}  {:>7}  {:>9}  {:>12.4f}  {:>12.1f}  {:>14.1f}", i, prompt,
                     u.tokens_generated, 1e3 * seconds_of(static_cast<double>(u.ttft_cycles), hz),
                     u.tpot_cycles, u.tokens_per_s));
  }
  line("");
  const double seconds = seconds_of(static_cast<double>(result.cycles_total), hz);
  line(fmt::format("{:<24}{} ({}, {} clocking)", "model", result.model, result.mode,
                   result.clocking));
  line(fmt::format("{:<24}{:.1f} MHz", "clock", hz / 1e6));
  line(fmt::format("{:<24}{}", "cycles", result.cycles_total));
  line(fmt::format("{:<24}{:.6f}", "seconds", seconds));
  line(fmt::format("{:<24}{}", "tokens generated", result.tokens_generated));
  line(fmt::format("{:<24}{:.1f}", "tokens/s per user", result.tokens_per_s_per_user));
  line(fmt::format("{:<24}{:.1f}", "tokens/s aggregate", result.tokens_per_s_aggregate));
  if (result.users.size() > 1) {
    line(fmt::format("{:<24}{} done, {} refused, {} in flight at most ({})", "requests",
                     result.requests_done, result.requests_refused, result.peak_users,
                     result.config.serving.admission));
    line(fmt::format("{:<24}p50 {:.0f}, p90 {:.0f}, p99 {:.0f}", "TTFT cycles",
                     result.ttft_cycles.p50, result.ttft_cycles.p90, result.ttft_cycles.p99));
    line(fmt::format("{:<24}p50 {:.1f}, p90 {:.1f}, p99 {:.1f}", "TPOT cycles",
                     result.tpot_cycles.p50, result.tpot_cycles.p90, result.tpot_cycles.p99));
  }
  const double kv_pct = result.kv_capacity_bytes > 0
                            ? 100.0 * static_cast<double>(result.kv_peak_bytes) /
                                  static_cast<double>(result.kv_capacity_bytes)
                            : 0.0;
  line(fmt::format("{:<24}{} / {} bytes ({:.1f}%)", "KV SRAM peak / capacity", result.kv_peak_bytes,
                   result.kv_capacity_bytes, kv_pct));
  if (!result.adapters.empty()) {
    uint64_t load_cycles = 0;
    for (const AdapterResult& a : result.adapters) load_cycles += a.load_cycles;
    line(fmt::format("{:<24}{} / {} bytes, {} adapter(s) loaded in {} cycles", "LoRA SRAM peak",
                     result.lora_peak_bytes, result.lora_capacity_bytes, result.adapters.size(),
                     load_cycles));
  }
  line(fmt::format("{:<24}{:.3f} mJ/token, {:.1f} W, {:.1f} tokens/J", "energy",
                   1e3 * result.energy_j_per_token, result.power_w, result.tokens_per_joule));
  const arch::EnergySplit& e = result.energy_j;
  const double joules = e.total();
  auto pct = [joules](double part) { return joules > 0 ? 100.0 * part / joules : 0.0; };
  line(fmt::format(
      "{:<24}cells {:.1f}%, banks {:.1f}%, adders {:.1f}%, registers {:.1f}%, "
      "vector {:.1f}%, KV {:.1f}%, LoRA {:.1f}%, host {:.1f}%, leakage {:.1f}%, clock {:.1f}%",
      "energy split", pct(e.weight_cells), pct(e.product_banks), pct(e.adders), pct(e.registers),
      pct(e.vector_units), pct(e.kv_sram), pct(e.lora), pct(e.host_link), pct(e.leakage),
      pct(e.clock)));
  line(fmt::format("{:<24}{:.2f} B transistors, {:.1f} mm^2 ({})", "area",
                   result.area.transistors / 1e9, result.area.mm2, result.config.process.node));
  const arch::BlockArea bit_exact = result.area.bit_exact();
  line(
      fmt::format("{:<24}+{:.1f} B transistors, +{:.0f} mm^2 (not in the total: fp32 row stages "
                  "{:.1f} B, vec_dot adders {:.1f} B)",
                  "bit-exact datapath", bit_exact.transistors / 1e9, bit_exact.mm2,
                  result.area.bit_exact_fp32.transistors / 1e9,
                  result.area.bit_exact_adders.transistors / 1e9));
  const auto busiest = std::max_element(
      result.layers.begin(), result.layers.end(),
      [](const LayerResult& a, const LayerResult& b) { return a.busy_cycles < b.busy_cycles; });
  if (busiest != result.layers.end()) {
    line(fmt::format("{:<24}{} ({} busy cycles, {:.1f}% utilization)", "busiest layer",
                     busiest->name, busiest->busy_cycles, 100.0 * busiest->utilization));
  }
  return out;
}

}  // namespace etchsim::sim
