#include "merge_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "splitmix64.hpp"

namespace etchsim::model::detail {

MergeTable::MergeTable(std::vector<std::string> initial) : m_tokens(std::move(initial)) {
  m_ids.reserve(m_tokens.size());
  for (uint32_t id = 0; id < size(); ++id) {
    if (!m_ids.emplace(m_tokens[id], id).second)
      throw std::logic_error(fmt::format("duplicate initial token '{}'", m_tokens[id]));
  }
}

std::optional<uint32_t> MergeTable::find(std::string_view token) const {
  const auto it = m_ids.find(std::string(token));
  if (it == m_ids.end()) return std::nullopt;
  return it->second;
}

std::optional<uint32_t> MergeTable::merge(uint32_t left, uint32_t right) {
  std::string joined = m_tokens.at(left) + m_tokens.at(right);
  const uint32_t id = size();
  if (!m_ids.emplace(joined, id).second) return std::nullopt;
  m_tokens.push_back(std::move(joined));
  m_merges.emplace_back(left, right);
  return id;
}

void train_bpe(MergeTable& table, std::vector<Word> words, uint32_t max_tokens) {
  // Identical words are counted once with a weight.
  std::sort(words.begin(), words.end());
  std::vector<std::pair<Word, uint64_t>> counted;
  for (auto& word : words) {
    if (!counted.empty() && counted.back().first == word)
      ++counted.back().second;
    else
      counted.emplace_back(std::move(word), 1);
  }

  auto key = [](uint32_t a, uint32_t b) { return (uint64_t{a} << 32) | b; };
  std::unordered_map<uint64_t, uint64_t> pair_counts;
  while (table.size() < max_tokens) {
    pair_counts.clear();
    for (const auto& [word, count] : counted) {
      for (size_t i = 0; i + 1 < word.size(); ++i) pair_counts[key(word[i], word[i + 1])] += count;
    }
    // Best pair whose concatenation is new: highest count, then smallest key.
    std::optional<uint32_t> merged;
    uint64_t merged_key = 0;
    while (!merged && !pair_counts.empty()) {
      auto best = pair_counts.begin();
      for (auto it = pair_counts.begin(); it != pair_counts.end(); ++it) {
        if (it->second > best->second || (it->second == best->second && it->first < best->first))
          best = it;
      }
      merged_key = best->first;
      merged = table.merge(static_cast<uint32_t>(merged_key >> 32),
                           static_cast<uint32_t>(merged_key & 0xFFFFFFFFu));
      pair_counts.erase(best);
    }
    if (!merged) return;  // the corpus is exhausted
    const uint32_t left = static_cast<uint32_t>(merged_key >> 32);
    const uint32_t right = static_cast<uint32_t>(merged_key & 0xFFFFFFFFu);
    for (auto& [word, count] : counted) {
      size_t out = 0;
      for (size_t i = 0; i < word.size(); ++i) {
        if (i + 1 < word.size() && word[i] == left && word[i + 1] == right) {
          word[out++] = *merged;
          ++i;
        } else {
          word[out++] = word[i];
        }
      }
      word.resize(out);
    }
  }
}

namespace {

constexpr size_t kMaxWordLetters = 8;   // longest word-like token that still gets extended
constexpr size_t kMaxPieceLetters = 3;  // longest lowercase piece appended to it

bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }

// Letters of a word-like token (optional space marker, optional capital, lowercase), or nullopt.
std::optional<std::string_view> word_letters(std::string_view token, std::string_view space) {
  if (token.starts_with(space)) token.remove_prefix(space.size());
  for (size_t i = 0; i < token.size(); ++i) {
    if (!is_lower(token[i]) && !(i == 0 && is_upper(token[i]))) return std::nullopt;
  }
  return token;
}

}  // namespace

void extend_with_words(MergeTable& table, std::string_view space, uint32_t max_tokens,
                       uint64_t seed) {
  std::vector<uint32_t> stems;   // word-like tokens with at most kMaxWordLetters letters
  std::vector<uint32_t> pieces;  // lowercase tokens with 1..kMaxPieceLetters letters
  auto classify = [&](uint32_t id) {
    const std::string& token = table.tokens()[id];
    const auto letters = word_letters(token, space);
    if (!letters) return;
    if (letters->size() <= kMaxWordLetters) stems.push_back(id);
    const bool lowercase =
        letters->size() == token.size() && !letters->empty() && is_lower(letters->front());
    if (lowercase && letters->size() <= kMaxPieceLetters) pieces.push_back(id);
  };
  for (uint32_t id = 0; id < table.size(); ++id) classify(id);
  if (stems.empty() || pieces.empty())
    throw std::logic_error("synthetic merges need letter tokens in the table");

  SplitMix64 rng(seed);
  // The stems × pieces space grows with every merge, so collisions stay rare.
  constexpr int kMaxCollisions = 1 << 20;
  int collisions = 0;
  while (table.size() < max_tokens) {
    const uint32_t stem = stems[rng.below(stems.size())];
    const uint32_t piece = pieces[rng.below(pieces.size())];
    if (const auto id = table.merge(stem, piece)) {
      classify(*id);
    } else if (++collisions > kMaxCollisions) {
      throw std::logic_error("synthetic merges ran out of new words");
    }
  }
}

}  // namespace etchsim::model::detail
