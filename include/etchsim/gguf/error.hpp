// The one exception type of the GGUF layer: every message names the file, the byte offset
// (when there is one) and what was wrong.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace etchsim::gguf {

class GgufError : public std::runtime_error {
 public:
  GgufError(std::string file, std::optional<uint64_t> offset, const std::string& what);

  const std::string& file() const { return m_file; }
  std::optional<uint64_t> offset() const { return m_offset; }

 private:
  std::string m_file;
  std::optional<uint64_t> m_offset;
};

}  // namespace etchsim::gguf
