#include "etchsim/io/output_path.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace etchsim::io {
namespace {

std::filesystem::path temp_name(const std::filesystem::path& path) {
  static std::atomic<unsigned> counter{0};
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  return dir /
         fmt::format(".{}.tmp.{}.{}", path.filename().string(), ::getpid(), counter.fetch_add(1));
}

// kReuse: the older file at `path`, renamed to `temp` and open for writing over, when that can
// surprise no one: a regular file (no link followed) that no other name links to (its content
// would change under that name) and that no process has open (a waveform viewer showing it would
// see it change under it): the kernel grants a write lease only to a file's sole opener. Anyone
// opening it meanwhile waits for the lease, which ends once the name is gone. -1 otherwise (the
// older file stays where it is).
int take_older(const std::filesystem::path& path, const std::filesystem::path& temp) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat st {};
  bool taken = false;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1 &&
      ::fcntl(fd, F_SETLEASE, F_WRLCK) == 0) {
    taken = ::rename(path.c_str(), temp.c_str()) == 0;
    (void)::fcntl(fd, F_SETLEASE, F_UNLCK);
  }
  if (taken) return fd;
  ::close(fd);
  return -1;
}

}  // namespace

bool is_special_output(const std::filesystem::path& path) {
  std::error_code ec;
  const std::filesystem::file_status s = std::filesystem::status(path, ec);
  if (ec) return false;  // absent (or unreadable: the write says so)
  using std::filesystem::file_type;
  const file_type t = s.type();
  return t == file_type::character || t == file_type::block || t == file_type::fifo ||
         t == file_type::socket;
}

OutputFile::OutputFile(std::filesystem::path path, OlderFile older) : m_path(std::move(path)) {
  if (is_special_output(m_path)) {  // /dev/null, a FIFO: written in place
    m_fd = ::open(m_path.c_str(), O_WRONLY | O_CLOEXEC);
    if (m_fd < 0) fail("cannot open it", errno);
    return;
  }
  if (older == OlderFile::kReuse) {
    m_temp = temp_name(m_path);
    m_fd = take_older(m_path, m_temp);
    m_cut = m_fd >= 0;
    if (m_cut) return;
  }
  for (unsigned attempt = 0; m_fd < 0; ++attempt) {
    m_temp = temp_name(m_path);
    // 0666 lets the umask decide the final permissions, as for any new file.
    m_fd = ::open(m_temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (m_fd < 0 && (errno != EEXIST || attempt >= 100)) {
      m_temp.clear();
      fail("cannot create a temporary file beside it", errno);
    }
  }
}

OutputFile::~OutputFile() {
  if (m_fd < 0) return;
  ::close(m_fd);
  if (!m_temp.empty()) ::unlink(m_temp.c_str());
}

void OutputFile::fail(const char* what, int err) const {
  throw std::runtime_error(
      fmt::format("writing '{}': {}: {}", m_path.string(), what, std::strerror(err)));
}

void OutputFile::reserve(uint64_t size) {
  if (size == 0 || m_temp.empty()) return;
  if (::fallocate(m_fd, 0, 0, static_cast<off_t>(size)) != 0 && errno != EOPNOTSUPP &&
      errno != ENOSYS) {
    fail("cannot reserve space", errno);
  }
}

void OutputFile::write(std::span<const std::byte> bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(m_fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write failed", errno);
    }
    bytes = bytes.subspan(static_cast<size_t>(n));
    m_written += static_cast<uint64_t>(n);
  }
}

void OutputFile::commit() {
  // An older file written over keeps its bytes past the new end until cut.
  if (m_cut && ::ftruncate(m_fd, static_cast<off_t>(m_written)) != 0) {
    fail("cannot cut the older file written over to its new length", errno);
  }
  const int fd = std::exchange(m_fd, -1);
  // close() can report a deferred write error (e.g. ENOSPC on network file systems).
  if (::close(fd) != 0) {
    const int err = errno;
    if (!m_temp.empty()) ::unlink(m_temp.c_str());
    fail("close failed", err);
  }
  if (m_temp.empty()) return;  // written in place
  if (std::rename(m_temp.c_str(), m_path.c_str()) != 0) {
    const int err = errno;
    ::unlink(m_temp.c_str());
    fail("cannot rename the temporary file", err);
  }
}

void write_file_atomically(const std::filesystem::path& path, std::string_view text) {
  OutputFile file(path);
  file.write(text);
  file.commit();
}

}  // namespace etchsim::io
