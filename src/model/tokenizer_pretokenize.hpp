// Internal to the tokenizer: the Llama 3 ("llama-bpe") pre-tokenizer split (docs/formats.md §6.3).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace etchsim::model::detail {

// Splits `text` into pre-tokens with the Llama 3 regex. Invalid UTF-8 bytes become U+FFFD first,
// so the pre-tokens are valid UTF-8 and concatenate to to_valid_utf8(text).
std::vector<std::string> split_llama3(std::string_view text);

}  // namespace etchsim::model::detail
