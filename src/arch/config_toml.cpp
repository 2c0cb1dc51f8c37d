// Reading and writing configs/*.toml with toml++.
#include <fmt/format.h>
#include <toml++/toml.h>

#include <fstream>
#include <sstream>

#include "config_fields.hpp"
#include "etchsim/arch/chip_config.hpp"
#include "etchsim/arch/config_error.hpp"
#include "toml_value.hpp"

namespace etchsim::arch {
namespace {

void read_section(ChipConfig& config, const std::string& section, const toml::table& table,
                  const std::string& source) {
  for (auto&& [name, node] : table) {
    const std::string key = section + "." + std::string(name.str());
    // A dotted key resolves exactly, or throws naming the nearest keys.
    const ConfigKey& row = resolve_config_key(key, source);
    detail::set_value(config, row, detail::checked_value(row, node, source));
  }
}

}  // namespace

std::string_view kv_element_name(KvElement element) {
  switch (element) {
    case KvElement::F16:
      return "f16";
    case KvElement::F32:
      return "f32";
    case KvElement::I8:
      return "i8";
  }
  return "unknown";
}

uint32_t kv_element_bits(KvElement element) {
  switch (element) {
    case KvElement::F16:
      return 16;
    case KvElement::F32:
      return 32;
    case KvElement::I8:
      return 8;
  }
  return 0;
}

ChipConfig parse_config(std::string_view toml_text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    throw ConfigError(source, "",
                      fmt::format("line {}: {}", e.source().begin.line, e.description()));
  }
  ChipConfig config;
  for (auto&& [name, node] : root) {
    const std::string section(name.str());
    if (!node.is_table()) {
      throw ConfigError(source, section,
                        find_config_key(section) == nullptr
                            ? "unknown key (top-level keys must be [sections])"
                            : "expected a [section]");
    }
    read_section(config, section, *node.as_table(), source);
  }
  return config;
}

ChipConfig load_config(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path.string(), "", "cannot open the configuration file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path.string());
}

std::string to_toml(const ChipConfig& config) {
  toml::table root;
  for (const auto& row : config_keys()) {
    const auto dot = row.key.find('.');
    const std::string section(row.key.substr(0, dot));
    const std::string name(row.key.substr(dot + 1));
    if (!root.contains(section)) root.insert(section, toml::table{});
    auto& table = *root[section].as_table();
    std::visit([&](const auto& v) { table.insert_or_assign(name, v); },
               detail::get_value(config, row));
  }
  std::ostringstream out;
  out << root << '\n';
  return out.str();
}

}  // namespace etchsim::arch
