// Decoding, as llama_detokenize with remove_special off. docs/formats.md does not cover the
// detokenizer; these rules were established against node-llama-cpp 3.21.1's detokenize (every
// token alone and every test string, tests/model/tokenizer_reference.cmake).
#include <string>

#include "etchsim/model/tokenizer.hpp"
#include "tokenizer_unicode.hpp"
#include "tokenizer_vocab.hpp"

namespace etchsim::model {
namespace {

constexpr std::string_view kSpaceMark = "\xE2\x96\x81";  // U+2581 '▁'

std::string spm_unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    if (text.substr(pos, kSpaceMark.size()) == kSpaceMark) {
      out.push_back(' ');
      pos += kSpaceMark.size();
    } else {
      out.push_back(text[pos++]);
    }
  }
  return out;
}

// A BYTE token "<0xNN>" -> the byte; other texts decode as normal pieces.
std::string spm_byte(std::string_view text) {
  if (text.size() != 6 || !text.starts_with("<0x") || !text.ends_with(">"))
    return spm_unescape(text);
  return std::string(1, static_cast<char>(std::stoi(std::string(text.substr(3, 2)), nullptr, 16)));
}

// BPE clean-up, three passes in this order (observed, not in docs/formats.md):
// " ?", " !", " .", " ," lose the space.
std::string drop_space_before_punctuation(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool punctuation_next =
        i + 1 < text.size() && std::string_view("?!.,").find(text[i + 1]) != std::string_view::npos;
    if (!(text[i] == ' ' && punctuation_next)) out.push_back(text[i]);
  }
  return out;
}

// " ' " becomes "'".
std::string join_lone_apostrophe(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.substr(i, 3) == " ' ") {
      out.push_back('\'');
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// " 's", " 'm", " 're", " 've" lose the space; lowercase only, and " 't", " 'll", " 'd" and
// " n't" keep it.
std::string attach_contractions(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const std::string_view rest = text.substr(i);
    const bool contraction = rest.starts_with(" 's") || rest.starts_with(" 'm") ||
                             rest.starts_with(" 're") || rest.starts_with(" 've");
    if (!contraction) out.push_back(text[i]);
  }
  return out;
}

}  // namespace

std::string Tokenizer::piece(int32_t token, bool render_special) const {
  const std::string& text = token_text(token);
  switch (m_vocab->types[token]) {
    case TokenType::Control:
    case TokenType::Unknown:
      return render_special ? text : std::string();
    case TokenType::UserDefined:
      return text;
    case TokenType::Byte:
      if (m_vocab->type == VocabType::Spm) return spm_byte(text);
      break;
    case TokenType::Unused:  // not in the synthesized vocabularies, so not checked; rendered empty
    case TokenType::Undefined:
      return {};
    case TokenType::Normal:
      break;
  }
  return m_vocab->type == VocabType::Spm ? spm_unescape(text) : detail::unicode_to_bytes(text);
}

std::string Tokenizer::decode(std::span<const int32_t> tokens, bool render_special) const {
  std::string text;
  for (size_t i = 0; i < tokens.size(); ++i) {
    std::string p = piece(tokens[i], render_special);
    // The space the SPM prefix rule adds: the first piece loses one leading space.
    if (i == 0 && m_vocab->add_space_prefix && p.starts_with(' ')) p.erase(0, 1);
    text += p;
  }
  if (!m_vocab->clean_spaces) return text;
  return attach_contractions(join_lone_apostrophe(drop_space_before_punctuation(text)));
}

}  // namespace etchsim::model
