// Internal: a bounds-checked little-endian reader over untrusted GGUF bytes. Every read checks
// the remaining length first and throws GgufError naming the file and the byte offset.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

namespace etchsim::gguf {

static_assert(std::endian::native == std::endian::little,
              "GGUF files are read by memcpy: a little-endian host is required");

// GGUF_MAX_STRING_LENGTH (docs/formats.md §1.3 item 5).
inline constexpr uint64_t kMaxStringBytes = uint64_t{1} << 30;

class ByteCursor {
 public:
  ByteCursor(std::span<const std::byte> bytes, const std::string& file)
      : m_bytes(bytes), m_file(file) {}

  uint64_t pos() const { return m_pos; }
  uint64_t size() const { return m_bytes.size(); }
  uint64_t remaining() const { return m_bytes.size() - m_pos; }

  // Reads one little-endian scalar; `what` names the field in the error message.
  template <typename T>
  requires std::is_arithmetic_v<T> T read(std::string_view what) {
    require(sizeof(T), what);
    T value;
    std::memcpy(&value, m_bytes.data() + m_pos, sizeof(T));
    m_pos += sizeof(T);
    return value;
  }

  // Reads a GGUF string: u64 byte length, then the bytes (no NUL, UTF-8 not validated).
  std::string read_string(std::string_view what);

  [[noreturn]] void fail(uint64_t at, const std::string& message) const;

 private:
  void require(uint64_t n, std::string_view what) const;

  std::span<const std::byte> m_bytes;
  const std::string& m_file;
  uint64_t m_pos = 0;
};

}  // namespace etchsim::gguf
