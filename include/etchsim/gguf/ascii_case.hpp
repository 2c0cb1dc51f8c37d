// ASCII case-insensitive comparison for type and scheme names ("Q4_K" == "q4_k").
#pragma once

#include <cctype>
#include <string_view>

namespace etchsim::gguf {

inline bool equals_ignoring_ascii_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

}  // namespace etchsim::gguf
