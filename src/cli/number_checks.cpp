#include "number_checks.hpp"

#include <cmath>
#include <optional>
#include <string>

namespace etchsim::cli {
namespace {

// The value as a double, or nullopt when the whole text is not a number.
std::optional<double> parse_number(const std::string& text) {
  try {
    size_t used = 0;
    const double v = std::stod(text, &used);
    if (used != text.size()) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

CLI::Validator number_check(bool allow_zero, std::string description) {
  return CLI::Validator(
      [allow_zero](std::string& text) -> std::string {
        const std::optional<double> v = parse_number(text);
        if (!v || !std::isfinite(*v)) return "must be a finite number, got '" + text + "'";
        if (allow_zero ? *v < 0 : *v <= 0) {
          return std::string(allow_zero ? "must be 0 or more" : "must be more than 0") +
                 ", got " + text;
        }
        return {};
      },
      std::move(description));
}

}  // namespace

CLI::Validator positive_number() { return number_check(false, "POSITIVE"); }
CLI::Validator non_negative_number() { return number_check(true, "NONNEGATIVE"); }

}  // namespace etchsim::cli
