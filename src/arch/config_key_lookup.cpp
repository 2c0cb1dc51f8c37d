// Finding a configuration key from what a user typed (config_keys.hpp): the dotted key, or the
// name after the dot when only one section has it; otherwise an error naming the nearest keys.
#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "etchsim/arch/config_error.hpp"
#include "etchsim/arch/config_keys.hpp"

namespace etchsim::arch {
namespace {

// Levenshtein distance (insert, delete, substitute: 1 each).
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), size_t{0});
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string_view short_name(std::string_view key) {
  const size_t dot = key.find('.');
  return dot == std::string_view::npos ? key : key.substr(dot + 1);
}

// Up to three keys closest to `name` (compared with the whole key, or with its short name when
// `name` has no section).
std::vector<std::string_view> nearest_keys(std::string_view name) {
  const bool dotted = name.find('.') != std::string_view::npos;
  std::vector<std::pair<size_t, std::string_view>> scored;
  for (const ConfigKey& row : config_keys()) {
    scored.emplace_back(edit_distance(name, dotted ? row.key : short_name(row.key)), row.key);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string_view> nearest;
  for (size_t i = 0; i < scored.size() && i < 3; ++i) nearest.push_back(scored[i].second);
  return nearest;
}

}  // namespace

const ConfigKey& resolve_config_key(std::string_view name, std::string_view source) {
  if (const ConfigKey* row = find_config_key(name)) return *row;
  if (name.find('.') == std::string_view::npos && !name.empty()) {
    std::vector<const ConfigKey*> matches;
    for (const ConfigKey& row : config_keys()) {
      if (short_name(row.key) == name) matches.push_back(&row);
    }
    if (matches.size() == 1) return *matches.front();
    if (matches.size() > 1) {
      std::vector<std::string_view> keys;
      for (const ConfigKey* m : matches) keys.push_back(m->key);
      throw ConfigError(std::string(source), std::string(name),
                        fmt::format("ambiguous key: {}", fmt::join(keys, ", ")));
    }
  }
  throw ConfigError(
      std::string(source), std::string(name),
      fmt::format("unknown key (nearest: {}; all keys: configs/README.md)",
                  fmt::join(nearest_keys(name), ", ")));
}

}  // namespace etchsim::arch
