#include "token_input.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace etchsim::cli {

std::vector<int32_t> parse_token_list(const std::string& text) {
  std::vector<int32_t> tokens;
  size_t begin = 0;
  while (begin <= text.size()) {
    const size_t end = std::min(text.find(',', begin), text.size());
    const std::string item = text.substr(begin, end - begin);
    int32_t value = 0;
    const auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (item.empty() || ec != std::errc() || ptr != item.data() + item.size()) {
      throw std::invalid_argument(fmt::format("--tokens: '{}' is not a token id", item));
    }
    tokens.push_back(value);
    begin = end + 1;
  }
  return tokens;
}

std::unique_ptr<model::Tokenizer> load_tokenizer(const gguf::GgufFile& file, bool required) {
  try {
    return std::make_unique<model::Tokenizer>(model::Tokenizer::from_gguf(file));
  } catch (const std::exception& e) {
    if (required) throw;
    spdlog::warn("no tokenizer ({}): tokens are shown without text", e.what());
    return nullptr;
  }
}

}  // namespace etchsim::cli
