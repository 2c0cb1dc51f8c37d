// Internal: reading and writing one configuration key of a ChipConfig by its dotted name.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "etchsim/arch/chip_config.hpp"
#include "etchsim/arch/config_keys.hpp"

namespace etchsim::arch::detail {

using ConfigValue = std::variant<int64_t, double, bool, std::string>;

// The value of a known key (Integer -> int64_t, Real -> double, Boolean -> bool, Text -> string).
ConfigValue get_value(const ChipConfig& config, const ConfigKey& key);
// Stores an already type- and range-checked value.
void set_value(ChipConfig& config, const ConfigKey& key, const ConfigValue& value);
// Throws ConfigError(source, key) unless `value` has the key's kind and lies in its range.
void check_value(const ConfigKey& key, const ConfigValue& value, const std::string& source);

}  // namespace etchsim::arch::detail
