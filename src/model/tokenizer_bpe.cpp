// Byte-level BPE session (docs/formats.md §6.3): pre-tokenize, map bytes to GPT-2's code points,
// then merge each word by rank.
#include <functional>
#include <string>

#include "symbol_chain.hpp"
#include "tokenizer_pretokenize.hpp"
#include "tokenizer_sessions.hpp"
#include "tokenizer_unicode.hpp"

namespace etchsim::model::detail {
namespace {

std::string byte_encode(std::string_view word) {
  std::string encoded;
  encoded.reserve(word.size() * 2);
  for (const char c : word) encoded += byte_to_unicode(static_cast<uint8_t>(c));
  return encoded;
}

// §6.3 steps 2-5 for one byte-encoded word.
void merge_word(const Vocab& vocab, std::string_view word, std::vector<int32_t>& out) {
  SymbolChain chain(word);
  merge_symbols<int32_t, std::less<>>(chain, [&](int32_t left, int32_t right) {
    const int32_t rank = vocab.merge_rank(chain.text(left), chain.text(right));
    return rank >= 0 ? std::optional<int32_t>(rank) : std::nullopt;
  });
  for (int32_t i = chain.head(); i >= 0; i = chain[i].next) {
    const std::string_view text = chain.text(i);
    if (const int32_t id = vocab.find(text); id != kNoToken) {
      out.push_back(id);
      continue;
    }
    // Step 5: a symbol that is no token goes out byte by byte as 1-byte strings; bytes without
    // a token are dropped.
    for (const char byte : text) {
      if (const int32_t id = vocab.find(std::string_view(&byte, 1)); id != kNoToken)
        out.push_back(id);
    }
  }
}

}  // namespace

void encode_bpe(const Vocab& vocab, std::string_view fragment, std::vector<int32_t>& out) {
  for (const std::string& word : split_llama3(fragment)) {
    const std::string encoded = byte_encode(word);
    // Step 1: with ignore_merges a word that is a token is emitted whole.
    if (vocab.ignore_merges) {
      if (const int32_t id = vocab.find(encoded); id != kNoToken) {
        out.push_back(id);
        continue;
      }
    }
    merge_word(vocab, encoded, out);
  }
}

}  // namespace etchsim::model::detail
