// Internal to the tokenizer: UTF-8 handling and GPT-2's byte <-> unicode mapping
// (docs/formats.md §6.3, §6.4).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace etchsim::model::detail {

// `text` with every byte that does not belong to a well-formed UTF-8 sequence (RFC 3629: no
// overlong forms, surrogates or code points above U+10FFFF) replaced by U+FFFD, one per bad byte
// (§6.3). Returns `text` unchanged when it is valid.
std::string to_valid_utf8(std::string_view text);

// The length of the UTF-8 sequence a lead byte announces (1 for ASCII and stray continuation
// bytes), as SPM splits characters without validating them (§6.4).
size_t utf8_sequence_length(uint8_t lead);

void append_utf8(std::string& out, char32_t code_point);

// The UTF-8 of the code point GPT-2 maps `byte` to (§6.3): 0x20 -> "Ġ" (U+0120).
const std::string& byte_to_unicode(uint8_t byte);

// Maps the byte-level text of a BPE token back to bytes. A code point outside the mapping
// (possible only in a vocabulary that is not byte-level) is copied through as UTF-8.
std::string unicode_to_bytes(std::string_view text);

}  // namespace etchsim::model::detail
