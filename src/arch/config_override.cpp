// `--set key=value`: one configuration key replaced after the file is read.
#include <toml++/toml.h>

#include <string>

#include "config_fields.hpp"
#include "etchsim/arch/chip_config.hpp"
#include "etchsim/arch/config_error.hpp"
#include "toml_value.hpp"

namespace etchsim::arch {
namespace {

constexpr const char* kSource = "--set";

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return std::string(s.substr(first, last - first + 1));
}

}  // namespace

void apply_override(ChipConfig& config, std::string_view assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string_view::npos) {
    throw ConfigError(kSource, trim(assignment), "expected key=value");
  }
  const std::string key = trim(assignment.substr(0, eq));
  std::string value = trim(assignment.substr(eq + 1));
  const ConfigKey* row = &resolve_config_key(key, kSource);
  if (value.empty()) throw ConfigError(kSource, std::string(row->key), "missing value");
  if (row->kind == KeyKind::Text && value.front() != '"' && value.front() != '\'') {
    value = "'" + value + "'";  // bare strings: process.node=N5
  }
  const std::string document = "v = " + value;
  toml::table parsed;
  try {
    parsed = toml::parse(std::string_view(document), std::string_view(kSource));
  } catch (const toml::parse_error& e) {
    throw ConfigError(kSource, key,
                      "cannot parse value '" + value + "': " + std::string(e.description()));
  }
  detail::set_value(config, *row, detail::checked_value(*row, *parsed.get("v"), kSource));
}

}  // namespace etchsim::arch
