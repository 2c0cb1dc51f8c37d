// Internal: a whole regular file mapped read-only (open/fstat/mmap). Errors are GgufError.
#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace etchsim::gguf {

class MappedFile {
 public:
  explicit MappedFile(const std::string& path);
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::span<const std::byte> bytes() const { return m_bytes; }

 private:
  std::span<const std::byte> m_bytes;
};

}  // namespace etchsim::gguf
