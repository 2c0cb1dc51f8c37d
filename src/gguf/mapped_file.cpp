#include "mapped_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "etchsim/gguf/error.hpp"

namespace etchsim::gguf {
namespace {

// Closes the descriptor on every path out of the constructor; the mapping outlives it.
struct FdCloser {
  int fd;
  ~FdCloser() { ::close(fd); }
};

[[noreturn]] void fail_errno(const std::string& path, const char* what) {
  throw GgufError(path, std::nullopt, fmt::format("{}: {}", what, std::strerror(errno)));
}

}  // namespace

MappedFile::MappedFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail_errno(path, "cannot open");
  const FdCloser closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail_errno(path, "cannot stat");
  if (!S_ISREG(st.st_mode)) throw GgufError(path, std::nullopt, "not a regular file");
  // mmap of length 0 fails with EINVAL: an empty file is reported, not mapped.
  if (st.st_size == 0) throw GgufError(path, 0, "file is empty, not a GGUF file");
  const auto size = static_cast<size_t>(st.st_size);
  void* base = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (base == MAP_FAILED) fail_errno(path, "cannot mmap");
  m_bytes = {static_cast<const std::byte*>(base), size};
}

MappedFile::~MappedFile() { ::munmap(const_cast<std::byte*>(m_bytes.data()), m_bytes.size()); }

}  // namespace etchsim::gguf
