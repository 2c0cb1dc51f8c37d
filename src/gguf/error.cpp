#include "etchsim/gguf/error.hpp"

#include <fmt/format.h>

namespace etchsim::gguf {
namespace {
std::string format_message(const std::string& file, std::optional<uint64_t> offset,
                           const std::string& what) {
  if (offset) return fmt::format("{}: at byte {}: {}", file, *offset, what);
  return fmt::format("{}: {}", file, what);
}
}  // namespace

GgufError::GgufError(std::string file, std::optional<uint64_t> offset, const std::string& what)
    : std::runtime_error(format_message(file, offset, what)),
      m_file(std::move(file)),
      m_offset(offset) {}

}  // namespace etchsim::gguf
