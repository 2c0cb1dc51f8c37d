// Where and how output files are written. Every writer of etchsim writes a temporary file beside
// its target and renames it over the target when complete, so a reader never sees half a file and
// a failed write leaves nothing behind. A target that already exists and is not a regular file —
// /dev/null, a terminal, a FIFO — must not be renamed over: that would replace the device node or
// the pipe itself (as root, `--report /dev/null` would leave /dev/null a regular file). Such a
// target is written in place instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>

namespace etchsim::io {

// Whether `path` names an existing character or block device, FIFO or socket (after symbolic
// links): write it in place, with no temporary file and no rename.
bool is_special_output(const std::filesystem::path& path);

// What becomes of an older regular file at the target while the new one is written.
enum class OlderFile {
  kKeep,   // it stays until commit() renames the new file over it
  kReuse,  // when no other name links to it and no process has it open, it becomes the temporary
           // at once and is written over in place, then cut to the new length by commit(): its
           // pages in the page cache are reused instead of freed and mapped again (a file as
           // large as a trace, written again and again). From then on it is gone from the target:
           // a failed write leaves neither. Otherwise it is kept, as kKeep does.
};

// An output file written under a temporary name beside `path` and renamed over it by commit(); a
// special output is opened and written in place. Destroying an uncommitted OutputFile removes its
// temporary, so a failed write leaves nothing behind. Errors are std::runtime_error naming `path`
// and the reason.
class OutputFile {
 public:
  explicit OutputFile(std::filesystem::path path, OlderFile older = OlderFile::kKeep);
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile();

  // Reserves `size` bytes up front (fallocate) so that a full disk is reported before writing.
  void reserve(uint64_t size);
  void write(std::span<const std::byte> bytes);
  void write(std::string_view text) { write(std::as_bytes(std::span(text.data(), text.size()))); }
  void commit();

 private:
  [[noreturn]] void fail(const char* what, int err) const;

  std::filesystem::path m_path;
  std::filesystem::path m_temp;  // empty when written in place
  int m_fd = -1;
  uint64_t m_written = 0;  // bytes written
  bool m_cut = false;      // the temporary is an older file written over: commit() cuts it
};

// `text` as the whole content of `path` (an OutputFile): under a temporary name beside it, then
// renamed over it (in place for a special output). Throws std::runtime_error naming `path` and the
// reason; on failure no temporary is left.
void write_file_atomically(const std::filesystem::path& path, std::string_view text);

}  // namespace etchsim::io
