#include "metadata_format.hpp"

#include <fmt/format.h>

#include <type_traits>

namespace etchsim::cli {
namespace {

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace

std::string value_to_text(const gguf::Value& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return quote(v);
        } else if constexpr (std::is_same_v<T, gguf::Array>) {
          const bool summarise = v.elems.size() > kArraySummaryLimit;
          const size_t shown = summarise ? kArrayHeadItems : v.elems.size();
          std::string out =
              fmt::format("[{} x {}: ", gguf::value_type_name(v.elem_type), v.elems.size());
          for (size_t i = 0; i < shown; ++i) {
            out += (i ? ", " : "") + value_to_text(v.elems[i]);
          }
          return out + (summarise ? ", ...]" : "]");
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, uint8_t> || std::is_same_v<T, int8_t>) {
          return fmt::format("{}", static_cast<int>(v));
        } else {
          return fmt::format("{}", v);
        }
      },
      value.data);
}

nlohmann::json value_to_json(const gguf::Value& value) {
  return std::visit(
      [](const auto& v) -> nlohmann::json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, gguf::Array>) {
          nlohmann::json items = nlohmann::json::array();
          const bool summarise = v.elems.size() > kArraySummaryLimit;
          const size_t shown = summarise ? kArrayHeadItems : v.elems.size();
          for (size_t i = 0; i < shown; ++i) items.push_back(value_to_json(v.elems[i]));
          if (!summarise) return items;
          return {{"type", "array"},
                  {"elem_type", gguf::value_type_name(v.elem_type)},
                  {"count", v.elems.size()},
                  {"head", items}};
        } else if constexpr (std::is_same_v<T, uint8_t> || std::is_same_v<T, int8_t>) {
          return static_cast<int>(v);
        } else {
          return v;
        }
      },
      value.data);
}

}  // namespace etchsim::cli
