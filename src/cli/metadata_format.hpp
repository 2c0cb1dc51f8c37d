// GGUF metadata values rendered for people (text) and for programs (JSON). Arrays longer than
// kArraySummaryLimit are summarised: element type, count and the first few elements.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

#include "etchsim/gguf/value.hpp"

namespace etchsim::cli {

inline constexpr size_t kArraySummaryLimit = 16;
inline constexpr size_t kArrayHeadItems = 8;

std::string value_to_text(const gguf::Value& value);
nlohmann::json value_to_json(const gguf::Value& value);

}  // namespace etchsim::cli
