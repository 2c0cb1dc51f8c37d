// Reading configs/gpus/*.toml with toml++: a small schema of its own (docs/gpu-baseline.md).
#include <fmt/format.h>
#include <toml++/toml.h>

#include <fstream>
#include <functional>
#include <limits>
#include <set>
#include <sstream>

#include "etchsim/baseline/gpu_baseline.hpp"

namespace etchsim::baseline {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// One number of the schema: its dotted key, whether it must be present, the open/closed range
// it must lie in, and where it goes.
struct NumberKey {
  std::string_view key;
  bool required;
  double min;
  bool min_inclusive;
  double max;
  std::function<void(GpuConfig&, double)> set;
};

const std::vector<NumberKey>& number_keys() {
  static const std::vector<NumberKey> keys = {
      {"gpu.memory_bandwidth_tbps", true, 0, false, kInf,
       [](GpuConfig& c, double v) { c.memory_bandwidth_tbps = v; }},
      {"gpu.memory_gb", true, 0, false, kInf, [](GpuConfig& c, double v) { c.memory_gb = v; }},
      {"gpu.board_power_w", true, 0, false, kInf,
       [](GpuConfig& c, double v) { c.board_power_w = v; }},
      {"gpu.price_per_hour_usd", false, 0, false, kInf,
       [](GpuConfig& c, double v) { c.price_per_hour = v; }},
      {"peak_tflops.bf16", true, 0, false, kInf, [](GpuConfig& c, double v) { c.bf16_tflops = v; }},
      {"peak_tflops.fp8", true, 0, false, kInf, [](GpuConfig& c, double v) { c.fp8_tflops = v; }},
      {"peak_tflops.int4", false, 0, false, kInf,
       [](GpuConfig& c, double v) { c.int4_tflops = v; }},
      {"efficiency.bandwidth", true, 0, false, 1,
       [](GpuConfig& c, double v) { c.bandwidth_efficiency = v; }},
      {"efficiency.compute", true, 0, false, 1,
       [](GpuConfig& c, double v) { c.compute_efficiency = v; }},
      {"efficiency.step_overhead_us", true, 0, true, kInf,
       [](GpuConfig& c, double v) { c.step_overhead_us = v; }},
      {"efficiency.memory_usable", false, 0, false, 1,
       [](GpuConfig& c, double v) { c.memory_usable = v; }},
  };
  return keys;
}

constexpr std::string_view kNameKey = "gpu.name";

std::string range_text(const NumberKey& k) {
  const std::string low = fmt::format("{}{}", k.min_inclusive ? "[" : "(", k.min);
  const std::string high = k.max == kInf ? "inf)" : fmt::format("{}]", k.max);
  return low + ", " + high;
}

double checked_number(const NumberKey& k, const toml::node& node, const std::string& source) {
  double v = 0;
  if (const auto* i = node.as_integer()) {
    v = static_cast<double>(i->get());
  } else if (const auto* f = node.as_floating_point()) {
    v = f->get();
  } else {
    throw GpuConfigError(source, std::string(k.key), "expected a number");
  }
  const bool low_ok = k.min_inclusive ? v >= k.min : v > k.min;
  if (!low_ok || !(v <= k.max) || v != v) {
    throw GpuConfigError(source, std::string(k.key),
                         fmt::format("value {} is outside {}", v, range_text(k)));
  }
  return v;
}

}  // namespace

GpuConfigError::GpuConfigError(std::string source, std::string key, const std::string& what)
    : std::runtime_error(fmt::format("{}{}{}", source.empty() ? "" : source + ": ",
                                     key.empty() ? "" : key + ": ", what)),
      m_source(std::move(source)),
      m_key(std::move(key)) {}

GpuConfig parse_gpu_config(std::string_view toml_text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    throw GpuConfigError(source, "",
                         fmt::format("line {}: {}", e.source().begin.line, e.description()));
  }
  GpuConfig config;
  std::set<std::string> seen;
  for (auto&& [section_name, section_node] : root) {
    const std::string section(section_name.str());
    const auto* table = section_node.as_table();
    if (table == nullptr) {
      throw GpuConfigError(source, section, "unknown key (top-level keys must be [sections])");
    }
    for (auto&& [name, node] : *table) {
      const std::string key = section + "." + std::string(name.str());
      if (key == kNameKey) {
        const auto* s = node.as_string();
        if (s == nullptr || s->get().empty()) {
          throw GpuConfigError(source, key, "expected a non-empty string");
        }
        config.name = s->get();
        seen.insert(key);
        continue;
      }
      const NumberKey* row = nullptr;
      for (const NumberKey& k : number_keys()) {
        if (k.key == key) row = &k;
      }
      if (row == nullptr) throw GpuConfigError(source, key, "unknown key");
      row->set(config, checked_number(*row, node, source));
      seen.insert(key);
    }
  }
  if (!seen.contains(std::string(kNameKey))) {
    throw GpuConfigError(source, std::string(kNameKey), "missing (required)");
  }
  for (const NumberKey& k : number_keys()) {
    if (k.required && !seen.contains(std::string(k.key))) {
      throw GpuConfigError(source, std::string(k.key), "missing (required)");
    }
  }
  return config;
}

GpuConfig load_gpu_config(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw GpuConfigError(path.string(), "", "cannot open the GPU configuration file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_gpu_config(text.str(), path.string());
}

}  // namespace etchsim::baseline
