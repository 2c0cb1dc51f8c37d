#include "eval_text.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace etchsim::cli {

std::string read_eval_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument(fmt::format("cannot read --text {}", path));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) throw std::invalid_argument(fmt::format("error reading --text {}", path));
  std::string text = bytes.str();
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (text.empty()) throw std::invalid_argument(fmt::format("--text {} is empty", path));
  return text;
}

}  // namespace etchsim::cli
