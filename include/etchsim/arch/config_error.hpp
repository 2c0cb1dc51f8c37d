// The one exception type of arch/: a bad chip configuration or a weight type the chip cannot
// hard-wire. The message names the key (e.g. "kv_sram.banks") and, when there is one, the file
// or "--set" the value came from.
#pragma once

#include <stdexcept>
#include <string>

namespace etchsim::arch {

class ConfigError : public std::runtime_error {
 public:
  // source: a file path, "--set", or empty; key: dotted key, or empty for whole-file errors.
  ConfigError(std::string source, std::string key, const std::string& what);

  const std::string& source() const { return m_source; }
  const std::string& key() const { return m_key; }

 private:
  std::string m_source;
  std::string m_key;
};

}  // namespace etchsim::arch
