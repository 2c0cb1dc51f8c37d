// Internal: little-endian encoding of GGUF header fields and metadata values
// (docs/formats.md §1.1, §1.2) into a byte buffer.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>
#include <vector>

#include "etchsim/gguf/value.hpp"

namespace etchsim::gguf {

class Encoder {
 public:
  template <typename T>
  requires std::is_arithmetic_v<T>
  void put(T value) {
    static_assert(std::endian::native == std::endian::little);
    const size_t at = m_out.size();
    m_out.resize(at + sizeof(T));
    std::memcpy(m_out.data() + at, &value, sizeof(T));
  }
  void put_string(std::string_view s);  // u64 length + bytes
  void put_value(const Value& value);   // the payload only, not the type id

  const std::vector<std::byte>& bytes() const { return m_out; }

 private:
  std::vector<std::byte> m_out;
};

}  // namespace etchsim::gguf
