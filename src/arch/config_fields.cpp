#include "config_fields.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include "etchsim/arch/config_error.hpp"

namespace etchsim::arch::detail {
namespace {

using U32Ref = uint32_t& (*)(ChipConfig&);
using RealRef = double& (*)(ChipConfig&);

constexpr std::array<std::pair<std::string_view, U32Ref>, 19> kIntegers{{
    {"datapath.activation_lanes",
     [](ChipConfig& c) -> uint32_t& { return c.datapath.activation_lanes; }},
    {"datapath.vector_lanes", [](ChipConfig& c) -> uint32_t& { return c.datapath.vector_lanes; }},
    {"datapath.adder_levels_per_stage",
     [](ChipConfig& c) -> uint32_t& { return c.datapath.adder_levels_per_stage; }},
    {"datapath.accumulator_bits",
     [](ChipConfig& c) -> uint32_t& { return c.datapath.accumulator_bits; }},
    {"datapath.special_fn_latency",
     [](ChipConfig& c) -> uint32_t& { return c.datapath.special_fn_latency; }},
    {"datapath.matvec_units", [](ChipConfig& c) -> uint32_t& { return c.datapath.matvec_units; }},
    {"datapath.lora_lanes", [](ChipConfig& c) -> uint32_t& { return c.datapath.lora_lanes; }},
    {"kv_sram.banks", [](ChipConfig& c) -> uint32_t& { return c.kv_sram.banks; }},
    {"area.bit_exact_fp32_lanes",
     [](ChipConfig& c) -> uint32_t& { return c.area.bit_exact_fp32_lanes; }},
    {"kv_sram.ports_per_bank", [](ChipConfig& c) -> uint32_t& { return c.kv_sram.ports_per_bank; }},
    {"kv_sram.word_bits", [](ChipConfig& c) -> uint32_t& { return c.kv_sram.word_bits; }},
    {"kv_sram.read_latency", [](ChipConfig& c) -> uint32_t& { return c.kv_sram.read_latency; }},
    {"kv_sram.write_latency", [](ChipConfig& c) -> uint32_t& { return c.kv_sram.write_latency; }},
    {"lora_sram.banks", [](ChipConfig& c) -> uint32_t& { return c.lora_sram.banks; }},
    {"lora_sram.word_bits", [](ChipConfig& c) -> uint32_t& { return c.lora_sram.word_bits; }},
    {"lora_sram.read_latency", [](ChipConfig& c) -> uint32_t& { return c.lora_sram.read_latency; }},
    {"host.bytes_per_cycle", [](ChipConfig& c) -> uint32_t& { return c.host.bytes_per_cycle; }},
    {"host.latency_cycles", [](ChipConfig& c) -> uint32_t& { return c.host.latency_cycles; }},
    {"serving.max_users", [](ChipConfig& c) -> uint32_t& { return c.serving.max_users; }},
}};

constexpr std::array<std::pair<std::string_view, RealRef>, 31> kReals{{
    {"clock.clock_mhz", [](ChipConfig& c) -> double& { return c.clock.clock_mhz; }},
    {"kv_sram.capacity_mib", [](ChipConfig& c) -> double& { return c.kv_sram.capacity_mib; }},
    {"lora_sram.capacity_mib", [](ChipConfig& c) -> double& { return c.lora_sram.capacity_mib; }},
    {"weight_cells.transistors_per_cell",
     [](ChipConfig& c) -> double& { return c.weight_cells.transistors_per_cell; }},
    {"weight_cells.float_weight_transistors",
     [](ChipConfig& c) -> double& { return c.weight_cells.float_weight_transistors; }},
    {"energy.cell_select_fj", [](ChipConfig& c) -> double& { return c.energy.cell_select_fj; }},
    {"energy.product_bank_lane_fj",
     [](ChipConfig& c) -> double& { return c.energy.product_bank_lane_fj; }},
    {"energy.adder_bit_fj", [](ChipConfig& c) -> double& { return c.energy.adder_bit_fj; }},
    {"energy.register_bit_fj", [](ChipConfig& c) -> double& { return c.energy.register_bit_fj; }},
    {"energy.vector_op_fj", [](ChipConfig& c) -> double& { return c.energy.vector_op_fj; }},
    {"energy.attention_mac_fj", [](ChipConfig& c) -> double& { return c.energy.attention_mac_fj; }},
    {"energy.sram_read_fj_per_bit",
     [](ChipConfig& c) -> double& { return c.energy.sram_read_fj_per_bit; }},
    {"energy.sram_write_fj_per_bit",
     [](ChipConfig& c) -> double& { return c.energy.sram_write_fj_per_bit; }},
    {"energy.host_link_pj_per_byte",
     [](ChipConfig& c) -> double& { return c.energy.host_link_pj_per_byte; }},
    {"energy.leakage_nw_per_transistor",
     [](ChipConfig& c) -> double& { return c.energy.leakage_nw_per_transistor; }},
    {"energy.clock_fj_per_register_bit",
     [](ChipConfig& c) -> double& { return c.energy.clock_fj_per_register_bit; }},
    {"energy.clock_gating", [](ChipConfig& c) -> double& { return c.energy.clock_gating; }},
    {"area.full_adder_transistors",
     [](ChipConfig& c) -> double& { return c.area.full_adder_transistors; }},
    {"area.product_bank_transistors",
     [](ChipConfig& c) -> double& { return c.area.product_bank_transistors; }},
    {"area.fp32_fma_transistors",
     [](ChipConfig& c) -> double& { return c.area.fp32_fma_transistors; }},
    {"area.fp32_multiply_transistors",
     [](ChipConfig& c) -> double& { return c.area.fp32_multiply_transistors; }},
    {"area.fp32_add_transistors",
     [](ChipConfig& c) -> double& { return c.area.fp32_add_transistors; }},
    {"area.int_to_fp32_transistors",
     [](ChipConfig& c) -> double& { return c.area.int_to_fp32_transistors; }},
    {"area.bit_exact_kquant_adder_factor",
     [](ChipConfig& c) -> double& { return c.area.bit_exact_kquant_adder_factor; }},
    {"area.register_bit_transistors",
     [](ChipConfig& c) -> double& { return c.area.register_bit_transistors; }},
    {"area.vector_lane_transistors",
     [](ChipConfig& c) -> double& { return c.area.vector_lane_transistors; }},
    {"area.attention_mac_transistors",
     [](ChipConfig& c) -> double& { return c.area.attention_mac_transistors; }},
    {"area.sram_periphery", [](ChipConfig& c) -> double& { return c.area.sram_periphery; }},
    {"area.control_overhead", [](ChipConfig& c) -> double& { return c.area.control_overhead; }},
    {"area.host_interface_transistors",
     [](ChipConfig& c) -> double& { return c.area.host_interface_transistors; }},
    {"area.logic_utilization", [](ChipConfig& c) -> double& { return c.area.logic_utilization; }},
}};

template <typename Table>
auto find_ref(const Table& table, std::string_view key) {
  const auto it =
      std::find_if(table.begin(), table.end(), [&](const auto& row) { return row.first == key; });
  return it == table.end() ? nullptr : it->second;
}

KvElement kv_element_from_name(const std::string& name) {
  for (auto element : {KvElement::F16, KvElement::F32, KvElement::I8}) {
    if (kv_element_name(element) == name) return element;
  }
  throw ConfigError("", "kv_sram.element", fmt::format("unknown element type '{}'", name));
}

}  // namespace

ConfigValue get_value(const ChipConfig& config, const ConfigKey& key) {
  ChipConfig copy = config;  // the accessors hand out references into a mutable config
  if (auto ref = find_ref(kIntegers, key.key)) return int64_t{ref(copy)};
  if (auto ref = find_ref(kReals, key.key)) return ref(copy);
  if (key.key == "weight_cells.allow_f16_weights") return copy.weight_cells.allow_f16_weights;
  if (key.key == "kv_sram.element") return std::string(kv_element_name(copy.kv_sram.element));
  if (key.key == "process.node") return copy.process.node;
  if (key.key == "serving.admission") return copy.serving.admission;
  throw ConfigError("", std::string(key.key), "key has no field (schema bug)");
}

void set_value(ChipConfig& config, const ConfigKey& key, const ConfigValue& value) {
  if (auto ref = find_ref(kIntegers, key.key)) {
    ref(config) = static_cast<uint32_t>(std::get<int64_t>(value));
  } else if (auto real = find_ref(kReals, key.key)) {
    real(config) = std::get<double>(value);
  } else if (key.key == "weight_cells.allow_f16_weights") {
    config.weight_cells.allow_f16_weights = std::get<bool>(value);
  } else if (key.key == "kv_sram.element") {
    config.kv_sram.element = kv_element_from_name(std::get<std::string>(value));
  } else if (key.key == "process.node") {
    config.process.node = std::get<std::string>(value);
  } else if (key.key == "serving.admission") {
    config.serving.admission = std::get<std::string>(value);
  } else {
    throw ConfigError("", std::string(key.key), "key has no field (schema bug)");
  }
}

void check_value(const ConfigKey& key, const ConfigValue& value, const std::string& source) {
  const std::string name(key.key);
  auto fail = [&](const std::string& what) { throw ConfigError(source, name, what); };
  switch (key.kind) {
    case KeyKind::Integer: {
      if (!std::holds_alternative<int64_t>(value)) fail("expected an integer");
      const auto v = std::get<int64_t>(value);
      if (static_cast<double>(v) < key.min || static_cast<double>(v) > key.max)
        fail(fmt::format("{} is out of range [{}, {}]", v, key.min, key.max));
      break;
    }
    case KeyKind::Real: {
      if (!std::holds_alternative<double>(value)) fail("expected a number");
      const auto v = std::get<double>(value);
      if (!std::isfinite(v) || v < key.min || v > key.max)
        fail(fmt::format("{} is out of range [{}, {}]", v, key.min, key.max));
      break;
    }
    case KeyKind::Boolean:
      if (!std::holds_alternative<bool>(value)) fail("expected true or false");
      break;
    case KeyKind::Text: {
      if (!std::holds_alternative<std::string>(value)) fail("expected a string");
      const auto& v = std::get<std::string>(value);
      if (v.empty()) fail("must not be empty");
      if (!key.choices.empty() &&
          std::find(key.choices.begin(), key.choices.end(), v) == key.choices.end())
        fail(fmt::format("'{}' is not one of {}", v, fmt::join(key.choices, ", ")));
      break;
    }
  }
}

}  // namespace etchsim::arch::detail
