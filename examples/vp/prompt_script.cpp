#include "prompt_script.hpp"

#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <stdexcept>
#include <string_view>

namespace vp {
namespace {

constexpr uint32_t kMaxGenerate = 65536;

std::string_view trim(std::string_view s) {
  const size_t first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

// A whole decimal number in [0, max]; nullopt otherwise (signs, spaces, overflow included).
std::optional<uint64_t> parse_number(std::string_view s, uint64_t max) {
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty() || value > max) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

PromptScript load_prompt_script(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in)
    throw std::invalid_argument(fmt::format("{}: cannot open the prompt script", path.string()));
  PromptScript script;
  bool have_prompt = false, have_generate = false;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const auto fail = [&](const std::string& why) {
      return std::invalid_argument(fmt::format("{}:{}: {}", path.string(), number, why));
    };
    const std::string_view text = trim(line);
    if (text.empty() || text.front() == '#') continue;
    const size_t space = text.find_first_of(" \t");
    const std::string_view keyword = text.substr(0, space);
    const std::string_view argument =
        space == std::string_view::npos ? std::string_view{} : trim(text.substr(space));
    if (keyword == "prompt" || keyword == "tokens") {
      if (have_prompt) throw fail("a second prompt (the script holds one request)");
      if (argument.empty()) throw fail(fmt::format("'{}' needs an argument", keyword));
      have_prompt = true;
      if (keyword == "prompt") {
        script.prompt_text = std::string(argument);
        continue;
      }
      for (size_t at = 0; at <= argument.size();) {
        const size_t comma = std::min(argument.find(',', at), argument.size());
        const std::optional<uint64_t> id =
            parse_number(trim(argument.substr(at, comma - at)), INT32_MAX);
        if (!id) {
          throw fail(fmt::format("'{}' is not a token id (0 to {})",
                                 argument.substr(at, comma - at), INT32_MAX));
        }
        script.prompt_ids.push_back(static_cast<int32_t>(*id));
        at = comma + 1;
      }
    } else if (keyword == "generate") {
      if (have_generate) throw fail("a second 'generate'");
      const std::optional<uint64_t> n = parse_number(argument, kMaxGenerate);
      if (!n)
        throw fail(fmt::format("generate '{}': not a number from 0 to {}", argument, kMaxGenerate));
      script.n_generate = static_cast<uint32_t>(*n);
      have_generate = true;
    } else {
      throw fail(fmt::format("unknown keyword '{}' (known: prompt, tokens, generate)", keyword));
    }
  }
  if (in.bad()) throw std::invalid_argument(fmt::format("{}: read error", path.string()));
  if (!have_prompt)
    throw std::invalid_argument(fmt::format("{}: no 'prompt' or 'tokens' line", path.string()));
  if (!have_generate)
    throw std::invalid_argument(fmt::format("{}: no 'generate' line", path.string()));
  return script;
}

}  // namespace vp
