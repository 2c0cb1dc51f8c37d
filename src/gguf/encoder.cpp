#include "encoder.hpp"

#include <variant>

namespace etchsim::gguf {

void Encoder::put_string(std::string_view s) {
  put<uint64_t>(s.size());
  const auto* p = reinterpret_cast<const std::byte*>(s.data());
  m_out.insert(m_out.end(), p, p + s.size());
}

void Encoder::put_value(const Value& value) {
  std::visit(
      [this](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          put_string(v);
        } else if constexpr (std::is_same_v<T, Array>) {
          put<int32_t>(static_cast<int32_t>(v.elem_type));
          put<uint64_t>(v.elems.size());
          for (const Value& e : v.elems) put_value(e);
        } else if constexpr (std::is_same_v<T, bool>) {
          put<uint8_t>(v ? 1 : 0);  // §1.2: the writer writes 0/1
        } else {
          put<T>(v);
        }
      },
      value.data);
}

}  // namespace etchsim::gguf
