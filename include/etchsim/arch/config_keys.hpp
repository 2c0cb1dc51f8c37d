// The schema of the chip configuration: one row per key with its type, range and meaning. The
// parser, the `--set` overrides, to_toml() and configs/README.md all follow this table.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "etchsim/arch/chip_config.hpp"

namespace etchsim::arch {

enum class KeyKind { Integer, Real, Boolean, Text };

struct ConfigKey {
  std::string_view key;  // "section.name"
  KeyKind kind;
  double min;  // Integer/Real: inclusive range
  double max;
  std::vector<std::string_view> choices;  // Text: allowed values (empty: any non-empty text)
  std::string_view doc;
};

std::span<const ConfigKey> config_keys();
// The row of `key`, or nullptr.
const ConfigKey* find_config_key(std::string_view key);
// The row a user means by `name`: the dotted key, or its part after the dot when that names one
// key only (`clock_mhz` -> `clock.clock_mhz`). Throws ConfigError (from `source`) for an
// ambiguous name or an unknown one, naming the nearest keys.
const ConfigKey& resolve_config_key(std::string_view name, std::string_view source);

}  // namespace etchsim::arch
