#include "etchsim/io/output_path.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace etchsim::io {
namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const char* what, int err) {
  throw std::runtime_error(
      fmt::format("writing '{}': {}: {}", path.string(), what, std::strerror(err)));
}

// Writes all of `text` to `fd`; false with errno set on an error.
bool write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    text.remove_prefix(static_cast<size_t>(n));
  }
  return true;
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

void write_file_atomically(const std::filesystem::path& path, std::string_view text) {
  if (is_special_output(path)) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) fail(path, "cannot open it", errno);
    const bool ok = write_all(fd, text);
    const int err = errno;
    if (::close(fd) != 0 && ok) fail(path, "close failed", errno);
    if (!ok) fail(path, "write failed", err);
    return;
  }
  static std::atomic<unsigned> counter{0};
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  std::filesystem::path temp;
  int fd = -1;
  for (unsigned attempt = 0; fd < 0; ++attempt) {
    temp = dir /
           fmt::format(".{}.tmp.{}.{}", path.filename().string(), ::getpid(), counter.fetch_add(1));
    // 0666 lets the umask decide the final permissions, as for any new file.
    fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && (errno != EEXIST || attempt >= 100)) {
      fail(path, "cannot create a temporary file beside it", errno);
    }
  }
  const bool ok = write_all(fd, text);
  int err = errno;
  const bool closed = ::close(fd) == 0;
  if (!closed && ok) err = errno;
  if (!ok || !closed || std::rename(temp.c_str(), path.c_str()) != 0) {
    if (ok && closed) err = errno;
    ::unlink(temp.c_str());
    fail(path,
         !ok       ? "write failed"
         : !closed ? "close failed"
                   : "cannot rename the temporary file",
         err);
  }
}

}  // namespace etchsim::io
