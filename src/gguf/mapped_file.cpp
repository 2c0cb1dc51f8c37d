#include "mapped_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
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

void MappedFile::release(std::span<const std::byte> part) const {
  const auto begin = reinterpret_cast<uintptr_t>(part.data());
  const auto end = begin + part.size();
  const auto map_begin = reinterpret_cast<uintptr_t>(m_bytes.data());
  if (part.empty() || begin < map_begin || end > map_begin + m_bytes.size()) return;
  const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  // Every page `part` touches, the ends shared with neighbouring bytes included: a reader of
  // those (another thread's, even now) maps the page again, so no page is kept for them.
  const uintptr_t from = begin / page * page;
  const uintptr_t to = std::min((end + page - 1) / page * page, map_begin + m_bytes.size());
  // Advice, not a requirement: a failure leaves the pages resident, which is only memory.
  if (from < to) ::madvise(reinterpret_cast<void*>(from), to - from, MADV_DONTNEED);
}

MappedFile::~MappedFile() { ::munmap(const_cast<std::byte*>(m_bytes.data()), m_bytes.size()); }

}  // namespace etchsim::gguf
