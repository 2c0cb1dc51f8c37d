// CLI11 validators for numeric options whose errors read as a person would write them
// ("--users: must be at least 1, got 0") instead of CLI11's range with a 300-digit bound. A value
// that is not a finite number is refused too (CLI11 would otherwise convert "nan" or "inf").
#pragma once

#include <CLI/CLI.hpp>

namespace etchsim::cli {

// A finite number > 0 (rates, sizes given as reals; also integer counts >= 1).
CLI::Validator positive_number();
// A finite number >= 0.
CLI::Validator non_negative_number();

}  // namespace etchsim::cli
