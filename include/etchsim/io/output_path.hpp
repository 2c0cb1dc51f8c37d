// Where and how output files are written. Every writer of etchsim writes a temporary file beside
// its target and renames it over the target when complete, so a reader never sees half a file and
// a failed write leaves nothing behind. A target that already exists and is not a regular file —
// /dev/null, a terminal, a FIFO — must not be renamed over: that would replace the device node or
// the pipe itself (as root, `--report /dev/null` would leave /dev/null a regular file). Such a
// target is written in place instead.
#pragma once

#include <filesystem>
#include <string_view>

namespace etchsim::io {

// Whether `path` names an existing character or block device, FIFO or socket (after symbolic
// links): write it in place, with no temporary file and no rename.
bool is_special_output(const std::filesystem::path& path);

// `text` as the whole content of `path`: under a temporary name beside it, then renamed over it
// (in place for a special output). Throws std::runtime_error naming `path` and the reason; on
// failure no temporary is left.
void write_file_atomically(const std::filesystem::path& path, std::string_view text);

}  // namespace etchsim::io
