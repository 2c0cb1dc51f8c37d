// Internal to synth_vocab_*: a token table grown by merges, where every token after the initial
// ones is the concatenation of two earlier tokens, learned by BPE training on a corpus and then
// extended with synthetic word-like merges.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace etchsim::model::detail {

class MergeTable {
 public:
  // `initial` must be unique; they get ids 0, 1, ...
  explicit MergeTable(std::vector<std::string> initial);

  uint32_t size() const { return static_cast<uint32_t>(m_tokens.size()); }
  const std::vector<std::string>& tokens() const { return m_tokens; }
  std::optional<uint32_t> find(std::string_view token) const;
  // (left, right) of each merge in order; merge i created token initial_count + i.
  const std::vector<std::pair<uint32_t, uint32_t>>& merges() const { return m_merges; }

  // Adds token(left) + token(right) as a new token; nullopt (and no change) if it exists.
  std::optional<uint32_t> merge(uint32_t left, uint32_t right);

 private:
  std::vector<std::string> m_tokens;
  std::unordered_map<std::string, uint32_t> m_ids;
  std::vector<std::pair<uint32_t, uint32_t>> m_merges;
};

// A pre-token of the training corpus as a sequence of token ids.
using Word = std::vector<uint32_t>;

// Byte-pair-encoding training: repeatedly merges the most frequent adjacent pair within the
// words (ties: smallest left id, then smallest right id) until no pair is left or the table has
// `max_tokens` tokens. A pair whose concatenation is already a token is skipped.
void train_bpe(MergeTable& table, std::vector<Word> words, uint32_t max_tokens);

// Grows the table to `max_tokens` with seeded random merges of word-like tokens: a lowercase
// piece of 1-3 letters appended to a word-like token (optional `space` marker, optional capital,
// lowercase letters; at most 8 letters) that is not in the table yet.
void extend_with_words(MergeTable& table, std::string_view space, uint32_t max_tokens,
                       uint64_t seed);

}  // namespace etchsim::model::detail
