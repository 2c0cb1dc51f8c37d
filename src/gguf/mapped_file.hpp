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

  // Unmaps from the process the pages `part` touches (bytes of this mapping; anything else is
  // ignored) with madvise MADV_DONTNEED: they leave its resident set, and a later read maps them
  // again from the page cache or the file, with the same contents (the mapping is read-only and
  // private, so no page was ever written).
  void release(std::span<const std::byte> part) const;

 private:
  std::span<const std::byte> m_bytes;
};

}  // namespace etchsim::gguf
