#include "human_units.hpp"

#include <fmt/format.h>

#include <array>

namespace etchsim::cli {
namespace {

std::string scaled(uint64_t n, const std::array<const char*, 4>& units) {
  constexpr std::array<double, 3> kSteps{1e9, 1e6, 1e3};
  for (size_t i = 0; i < kSteps.size(); ++i) {
    if (static_cast<double>(n) >= kSteps[i]) {
      return fmt::format("{:.2f} {}", static_cast<double>(n) / kSteps[i], units[i]);
    }
  }
  return fmt::format("{} {}", n, units[3]);
}

}  // namespace

std::string human_count(uint64_t n) {
  std::string s = scaled(n, {"B", "M", "K", ""});
  if (s.back() == ' ') s.pop_back();
  return s;
}

std::string human_bytes(uint64_t n) { return scaled(n, {"GB", "MB", "kB", "B"}); }

}  // namespace etchsim::cli
