// The Llama 3 pre-tokenizer through PCRE2 with Unicode properties (docs/formats.md §6.3).
//
// llama.cpp runs a hand-written scanner with its own Unicode tables instead of a regex engine.
// Where PCRE2 would differ, the pattern is adjusted:
//  * \s: PCRE2 10.42 with PCRE2_UCP also matches U+180E (MONGOLIAN VOWEL SEPARATOR), which
//    llama.cpp's set does not hold (checked over all code points). \s and \S are therefore
//    spelled out as the class kSpace below, exactly llama.cpp's set from §6.3.
//  * Contractions: the reference's case-folded form '[sS]... is used; it equals llama.cpp's
//    unicode_tolower check, as no other code point lowercases to s, t, r, e, v, m, l or d.
//  * \p{L} and \p{N} come from PCRE2's Unicode tables (14.0 in Debian 12's 10.42), llama.cpp's
//    from its unicode-data.cpp; they can only differ on code points assigned after Unicode 14.
//  * llama.cpp makes text that matches nothing one pre-token per code point; the pattern's
//    alternatives cover every code point, so that case cannot arise here.
#include "tokenizer_pretokenize.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <array>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer_unicode.hpp"

namespace etchsim::model::detail {
namespace {

// llama.cpp's whitespace set (§6.3), as the inside of a character class.
constexpr std::string_view kSpace =
    R"(\t-\r\x{20}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000})";

// The reference pattern's alternatives, with \s spelled [kSpace] and \S [^kSpace].
std::string llama3_pattern() {
  const std::string sp(kSpace);
  const std::vector<std::string> alternatives = {
      R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]))",
      R"([^\r\n\p{L}\p{N}]?\p{L}+)",
      R"(\p{N}{1,3})",
      " ?[^" + sp + R"(\p{L}\p{N}]+[\r\n]*)",  //  ?[^\s\p{L}\p{N}]+[\r\n]*
      "[" + sp + R"(]*[\r\n]+)",               // \s*[\r\n]+
      "[" + sp + "]+(?![^" + sp + "])",        // \s+(?!\S)
      "[" + sp + "]+",                         // \s+
  };
  std::string pattern;
  for (const std::string& alternative : alternatives)
    pattern += (pattern.empty() ? "" : "|") + alternative;
  return pattern;
}

struct CodeDeleter {
  void operator()(pcre2_code* code) const { pcre2_code_free(code); }
};
struct MatchDataDeleter {
  void operator()(pcre2_match_data* data) const { pcre2_match_data_free(data); }
};

std::string pcre2_message(int error) {
  std::array<PCRE2_UCHAR, 256> buffer{};
  pcre2_get_error_message(error, buffer.data(), buffer.size());
  return reinterpret_cast<const char*>(buffer.data());
}

// Compiled once (thread-safe static initialisation) and JIT-compiled when PCRE2 supports it.
const pcre2_code* llama3_regex() {
  static const std::unique_ptr<pcre2_code, CodeDeleter> code = [] {
    const std::string pattern = llama3_pattern();
    int error = 0;
    PCRE2_SIZE error_offset = 0;
    pcre2_code* compiled =
        pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                      PCRE2_UTF | PCRE2_UCP, &error, &error_offset, nullptr);
    if (compiled == nullptr) {
      throw std::logic_error("Llama 3 pre-tokenizer regex: " + pcre2_message(error) +
                             " at offset " + std::to_string(error_offset));
    }
    pcre2_jit_compile(compiled, PCRE2_JIT_COMPLETE);  // falls back to the interpreter on failure
    return std::unique_ptr<pcre2_code, CodeDeleter>(compiled);
  }();
  return code.get();
}

}  // namespace

std::vector<std::string> split_llama3(std::string_view raw) {
  const std::string text = to_valid_utf8(raw);
  const pcre2_code* regex = llama3_regex();
  const std::unique_ptr<pcre2_match_data, MatchDataDeleter> match(
      pcre2_match_data_create_from_pattern(regex, nullptr));
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());

  std::vector<std::string> words;
  for (size_t pos = 0; pos < text.size();) {
    // Anchored: every code point starts a match (a space, a letter, a digit, or anything else
    // for the punctuation alternative), and every alternative consumes at least one.
    const int rc = pcre2_match(regex, subject, text.size(), pos,
                               PCRE2_ANCHORED | PCRE2_NO_UTF_CHECK, match.get(), nullptr);
    if (rc < 0) throw std::logic_error("Llama 3 pre-tokenizer: " + pcre2_message(rc));
    const PCRE2_SIZE end = pcre2_get_ovector_pointer(match.get())[1];
    words.push_back(text.substr(pos, end - pos));
    pos = end;
  }
  return words;
}

}  // namespace etchsim::model::detail
