// Internal: a TOML node as a checked configuration value.
#pragma once

#include <toml++/toml.h>

#include <string>

#include "config_fields.hpp"

namespace etchsim::arch::detail {

// The node's value for `key` (an integer is accepted where a real is expected), type- and
// range-checked; throws ConfigError(source, key) otherwise.
ConfigValue checked_value(const ConfigKey& key, const toml::node& node, const std::string& source);

}  // namespace etchsim::arch::detail
