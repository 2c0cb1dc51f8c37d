#include "byte_cursor.hpp"

#include <fmt/format.h>

#include "etchsim/gguf/error.hpp"

namespace etchsim::gguf {

void ByteCursor::fail(uint64_t at, const std::string& message) const {
  throw GgufError(m_file, at, message);
}

void ByteCursor::require(uint64_t n, std::string_view what) const {
  if (n > remaining()) {
    fail(m_pos, fmt::format("unexpected end of file reading {} (needs {} bytes, {} remain)", what,
                            n, remaining()));
  }
}

std::string ByteCursor::read_string(std::string_view what) {
  const uint64_t at = m_pos;
  // The message is formatted only when it is needed: strings are read by the 10^5 (a vocabulary).
  if (remaining() < sizeof(uint64_t))
    require(sizeof(uint64_t), fmt::format("the length of {}", what));
  const auto length = read<uint64_t>(what);
  if (length > kMaxStringBytes) {
    fail(at, fmt::format("{} has length {}, more than the 1 GiB limit", what, length));
  }
  if (length > remaining()) {
    fail(at, fmt::format("{} has length {}, past the end of the file ({} bytes remain)", what,
                         length, remaining()));
  }
  std::string s(reinterpret_cast<const char*>(m_bytes.data() + m_pos), length);
  m_pos += length;
  return s;
}

}  // namespace etchsim::gguf
