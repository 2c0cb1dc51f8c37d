// SentencePiece vocabulary (tokenizer.ggml.model "llama", as Llama 2 files have it): <unk>, <s>,
// </s>, the 256 byte-fallback tokens <0xNN>, then pieces with descending scores. The pieces are
// '▁' and the printable ASCII characters, then merges learned from synth_corpus() and synthetic
// word-like merges, so every longer piece is the concatenation of two earlier ones and SPM's
// score-ordered pair merging (docs/formats.md §6.4) can reach it.
#include <fmt/format.h>

#include <stdexcept>

#include "merge_table.hpp"
#include "synth_corpus.hpp"
#include "synth_vocab_kinds.hpp"

namespace etchsim::model::detail {
namespace {

constexpr std::string_view kSpace = "\xE2\x96\x81";  // U+2581 '▁', SentencePiece's space
constexpr uint32_t kUnkId = 0, kBosId = 1, kEosId = 2;
constexpr uint32_t kFirstPieceId = 3 + 256;
constexpr uint64_t kSyntheticMergeSeed = 0x7370'6D70'6965'6365ull;  // fixed: vocab is a constant

constexpr int32_t kTypeNormal = 1, kTypeUnknown = 2, kTypeControl = 3, kTypeByte = 6;

std::vector<std::string> initial_tokens() {
  std::vector<std::string> tokens{"<unk>", "<s>", "</s>"};
  for (uint32_t b = 0; b < 256; ++b) tokens.push_back(fmt::format("<0x{:02X}>", b));
  tokens.emplace_back(kSpace);
  for (char c = '!'; c <= '~'; ++c) tokens.emplace_back(1, c);
  return tokens;
}

}  // namespace

SynthVocab make_spm_vocab(uint32_t n_vocab) {
  MergeTable table(initial_tokens());
  if (n_vocab < table.size()) {
    throw std::invalid_argument(
        fmt::format("a SentencePiece vocabulary needs at least {} tokens (3 special, 256 bytes, {} "
                    "characters), not {}",
                    table.size(), table.size() - kFirstPieceId, n_vocab));
  }

  std::vector<Word> words;
  for (const std::string& pre_token : pre_split_llama3(synth_corpus())) {
    if (pre_token.find_first_of("\r\n") != std::string::npos) continue;  // byte fallback
    Word& word = words.emplace_back();
    for (const char c : pre_token) {
      word.push_back(*table.find(c == ' ' ? kSpace : std::string_view(&c, 1)));
    }
  }
  train_bpe(table, std::move(words), n_vocab);
  extend_with_words(table, kSpace, n_vocab, kSyntheticMergeSeed);

  SynthVocab vocab;
  vocab.kind = VocabKind::SentencePiece;
  vocab.tokens = table.tokens();
  vocab.scores.assign(n_vocab, 0.0f);
  vocab.token_types.assign(n_vocab, kTypeNormal);
  vocab.token_types[kUnkId] = kTypeUnknown;
  vocab.token_types[kBosId] = kTypeControl;
  vocab.token_types[kEosId] = kTypeControl;
  for (uint32_t id = 3; id < kFirstPieceId; ++id) vocab.token_types[id] = kTypeByte;
  // Earlier merges rank higher: SPM merges the adjacent pair whose piece scores highest.
  for (uint32_t id = kFirstPieceId; id < n_vocab; ++id)
    vocab.scores[id] = -static_cast<float>(id - kFirstPieceId);
  vocab.bos_id = kBosId;
  vocab.eos_id = kEosId;
  vocab.unk_id = kUnkId;
  return vocab;
}

}  // namespace etchsim::model::detail
