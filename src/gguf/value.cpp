#include "etchsim/gguf/value.hpp"

#include <array>

namespace etchsim::gguf {

std::string_view value_type_name(ValueType type) {
  static constexpr std::array<std::string_view, kValueTypeCount> kNames{
      "uint8", "int8",   "uint16", "int16",  "uint32", "int32",  "float32",
      "bool",  "string", "array",  "uint64", "int64",  "float64"};
  const auto i = static_cast<int32_t>(type);
  if (i < 0 || i >= kValueTypeCount) return "invalid";
  return kNames[static_cast<size_t>(i)];
}

}  // namespace etchsim::gguf
