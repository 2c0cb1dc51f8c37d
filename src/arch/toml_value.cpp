#include "toml_value.hpp"

#include "etchsim/arch/config_error.hpp"

namespace etchsim::arch::detail {
namespace {

ConfigValue raw_value(const ConfigKey& key, const toml::node& node, const std::string& source) {
  if (node.is_integer()) {
    const auto v = *node.value<int64_t>();
    if (key.kind == KeyKind::Real) return static_cast<double>(v);
    return v;
  }
  if (node.is_floating_point()) return *node.value<double>();
  if (node.is_boolean()) return *node.value<bool>();
  if (node.is_string()) return *node.value<std::string>();
  throw ConfigError(source, std::string(key.key),
                    "expected a single value, not a table, array or date");
}

}  // namespace

ConfigValue checked_value(const ConfigKey& key, const toml::node& node, const std::string& source) {
  ConfigValue value = raw_value(key, node, source);
  check_value(key, value, source);
  return value;
}

}  // namespace etchsim::arch::detail
