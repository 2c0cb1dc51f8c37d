// Whether files in `dir` take a write lease (fcntl F_SETLEASE): io::OlderFile::kReuse writes over
// an older file only under one, so tests of the reuse skip where leases are off
// (/proc/sys/fs/leases-enable 0) or the file system has none.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace etchsim::testing {

inline bool write_leases_work(const std::filesystem::path& dir) {
  const std::filesystem::path probe = dir / ".write_lease_probe";
  std::ofstream(probe) << "probe\n";
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CLOEXEC);
  const bool works = fd >= 0 && ::fcntl(fd, F_SETLEASE, F_WRLCK) == 0;
  if (works) (void)::fcntl(fd, F_SETLEASE, F_UNLCK);
  if (fd >= 0) ::close(fd);
  std::filesystem::remove(probe);
  return works;
}

}  // namespace etchsim::testing
