#include "etchsim/arch/config_error.hpp"

#include <fmt/format.h>

namespace etchsim::arch {
namespace {

std::string compose(const std::string& source, const std::string& key, const std::string& what) {
  std::string where = source;
  if (!key.empty()) where += where.empty() ? key : ": " + key;
  return where.empty() ? what : fmt::format("{}: {}", where, what);
}

}  // namespace

ConfigError::ConfigError(std::string source, std::string key, const std::string& what)
    : std::runtime_error(compose(source, key, what)),
      m_source(std::move(source)),
      m_key(std::move(key)) {}

}  // namespace etchsim::arch
