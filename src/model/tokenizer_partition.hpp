// Internal to the tokenizer: splitting text at special-token texts (docs/formats.md §6.2).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "tokenizer_vocab.hpp"

namespace etchsim::model::detail {

// A special token (token != kNoToken) or a raw text range that the vocabulary's session encodes.
struct Fragment {
  int32_t token = kNoToken;
  std::string_view text;  // raw fragments only
};

// Splits `text` at every occurrence of the special candidates, longest first. CONTROL and
// UNKNOWN texts match only with parse_special; USER_DEFINED ones always do. Raw fragments are
// never empty, and empty text gives no fragments.
std::vector<Fragment> partition_special(const Vocab& vocab, std::string_view text,
                                        bool parse_special);

}  // namespace etchsim::model::detail
