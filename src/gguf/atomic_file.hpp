// Internal: an output file written under a temporary name beside the target and renamed over
// it by commit(). Destroying an uncommitted AtomicFile removes the temporary, so a failed
// write leaves nothing behind. A target that is a device or FIFO (/dev/null) is written in place
// (io/output_path.hpp). I/O errors are std::runtime_error naming the target path.
#pragma once

#include <cstdint>
#include <filesystem>

#include "byte_sink.hpp"

namespace etchsim::gguf {

class AtomicFile final : public ByteSink {
 public:
  explicit AtomicFile(std::filesystem::path path);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile() override;

  // Reserves `size` bytes up front so that a full disk is reported before writing starts.
  void reserve(uint64_t size);
  void write(std::span<const std::byte> bytes) override;
  void commit();

 private:
  [[noreturn]] void fail(const char* what, int err) const;

  std::filesystem::path m_path;
  std::filesystem::path m_temp;
  int m_fd = -1;
};

}  // namespace etchsim::gguf
