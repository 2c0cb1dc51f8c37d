// SentencePiece session (docs/formats.md §6.4): '▁' for spaces, score-ordered pair merging, byte
// fallback for characters that are no token.
#include <fmt/format.h>

#include <functional>
#include <stdexcept>
#include <string>

#include "symbol_chain.hpp"
#include "tokenizer_sessions.hpp"

namespace etchsim::model::detail {
namespace {

constexpr std::string_view kSpaceMark = "\xE2\x96\x81";  // U+2581 '▁'

// "<0xNN>" (uppercase hex), else the 1-byte string, else an error (step 6).
int32_t byte_token(const Vocab& vocab, uint8_t byte) {
  if (const int32_t id = vocab.find(fmt::format("<0x{:02X}>", byte)); id != kNoToken) return id;
  const char c = static_cast<char>(byte);
  if (const int32_t id = vocab.find(std::string_view(&c, 1)); id != kNoToken) return id;
  throw std::runtime_error(fmt::format("SPM vocabulary has no token for byte 0x{:02X}", byte));
}

}  // namespace

void encode_spm(const Vocab& vocab, std::string_view fragment, bool space_prefix,
                std::vector<int32_t>& out) {
  // Steps 1-2.
  std::string text;
  text.reserve((fragment.size() + 1) * kSpaceMark.size());
  if (space_prefix) text += kSpaceMark;
  for (const char c : fragment) {
    if (c == ' ') {
      text += kSpaceMark;
    } else {
      text.push_back(c);
    }
  }
  // Steps 3-5: a pair is queued only when its concatenation is a token, keyed by its score.
  SymbolChain chain(text);
  merge_symbols<float, std::greater<>>(chain, [&](int32_t left, int32_t right) {
    const int32_t id = vocab.find(chain.text(left, right));
    return id != kNoToken ? std::optional<float>(vocab.scores[id]) : std::nullopt;
  });
  // Step 6. Every merged symbol is a token (see above), so the reference's rev_merge re-split
  // never applies; only unmerged characters that are no token fall back to bytes.
  for (int32_t i = chain.head(); i >= 0; i = chain[i].next) {
    const std::string_view piece = chain.text(i);
    if (const int32_t id = vocab.find(piece); id != kNoToken) {
      out.push_back(id);
      continue;
    }
    for (const char byte : piece) out.push_back(byte_token(vocab, static_cast<uint8_t>(byte)));
  }
}

}  // namespace etchsim::model::detail
