// Printing `etchsim golden` results (golden_output.hpp).
#include "golden_output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

namespace etchsim::cli {
namespace {

// A token's piece as a quoted, escaped string ("\n" for a newline, invalid UTF-8 replaced), or ""
// without a tokenizer.
std::string quoted_piece(const model::Tokenizer* tokenizer, int32_t token) {
  if (tokenizer == nullptr) return "";
  return nlohmann::json(tokenizer->piece(token, true))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void print_tokens(const char* label, const std::vector<int32_t>& tokens, size_t first_position,
                  const model::Tokenizer* tokenizer) {
  fmt::print("{} ({} tokens):\n", label, tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    fmt::print("  [{:>4}] {:>7} {}\n", first_position + i, tokens[i],
               quoted_piece(tokenizer, tokens[i]));
  }
}

}  // namespace

void print_golden_json(const GoldenResult& result) {
  nlohmann::ordered_json out;
  out["tokens"] = result.tokens;
  if (!result.logprobs.empty()) out["logprobs"] = result.logprobs;
  if (result.generated) out["generated"] = *result.generated;
  fmt::print("{}\n", out.dump());
}

void print_golden_text(const GoldenResult& result, const model::Tokenizer* tokenizer) {
  print_tokens("prompt", result.tokens, 0, tokenizer);
  if (!result.logprobs.empty()) {
    fmt::print("log-probabilities (after position i: the next prompt token, the most likely):\n");
    for (size_t i = 0; i < result.logprobs.size(); ++i) {
      const std::vector<double>& row = result.logprobs[i];
      const auto best =
          static_cast<int32_t>(std::max_element(row.begin(), row.end()) - row.begin());
      const std::string next = i + 1 < result.tokens.size()
                                   ? fmt::format("{:>7} {:>10.5f}", result.tokens[i + 1],
                                                 row[static_cast<size_t>(result.tokens[i + 1])])
                                   : fmt::format("{:>18}", "-");
      fmt::print("  [{:>4}] next {}   best {:>7} {:>10.5f} {}\n", i, next, best,
                 row[static_cast<size_t>(best)], quoted_piece(tokenizer, best));
    }
  }
  if (result.generated) {
    print_tokens("generated", *result.generated, result.tokens.size(), tokenizer);
    if (tokenizer != nullptr) {
      std::vector<int32_t> all = result.tokens;
      all.insert(all.end(), result.generated->begin(), result.generated->end());
      fmt::print("text:\n{}\n", tokenizer->decode(all));
    }
  }
}

}  // namespace etchsim::cli
