// Internal to the tokenizer: the doubly linked list of symbols and the pair-merge loop that BPE
// and SPM share (docs/formats.md §6.3 steps 2-4, §6.4 steps 3-5). A symbol is a byte range of
// the word; merging absorbs the right neighbour into the left one, leaving the right one empty.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <queue>
#include <string_view>
#include <vector>

#include "tokenizer_unicode.hpp"

namespace etchsim::model::detail {

struct Symbol {
  size_t begin = 0;
  size_t length = 0;  // 0 once merged into its left neighbour
  int32_t prev = -1;
  int32_t next = -1;
};

class SymbolChain {
 public:
  // One symbol per UTF-8 character, its length taken from the lead byte and clamped to the end.
  explicit SymbolChain(std::string_view word) : m_word(word) {
    for (size_t pos = 0; pos < word.size();) {
      const size_t length =
          std::min(utf8_sequence_length(static_cast<uint8_t>(word[pos])), word.size() - pos);
      const auto index = static_cast<int32_t>(m_symbols.size());
      m_symbols.push_back({pos, length, index - 1, -1});
      if (index > 0) m_symbols[index - 1].next = index;
      pos += length;
    }
  }

  const std::vector<Symbol>& symbols() const { return m_symbols; }
  // The first symbol (never merged away), or -1 for an empty word; follow Symbol::next.
  int32_t head() const { return m_symbols.empty() ? -1 : 0; }
  const Symbol& operator[](int32_t i) const { return m_symbols[i]; }
  std::string_view text(int32_t i) const {
    return m_word.substr(m_symbols[i].begin, m_symbols[i].length);
  }
  std::string_view text(int32_t left, int32_t right) const {
    return m_word.substr(m_symbols[left].begin, m_symbols[left].length + m_symbols[right].length);
  }
  // A queued pair is stale when either side was merged since or the pair's size changed.
  bool still_pair(int32_t left, int32_t right, size_t size) const {
    const Symbol& l = m_symbols[left];
    const Symbol& r = m_symbols[right];
    return l.length != 0 && r.length != 0 && l.length + r.length == size;
  }
  void merge(int32_t left, int32_t right) {
    Symbol& l = m_symbols[left];
    Symbol& r = m_symbols[right];
    l.length += r.length;
    r.length = 0;
    l.next = r.next;
    if (r.next >= 0) m_symbols[r.next].prev = left;
  }

 private:
  std::string_view m_word;
  std::vector<Symbol> m_symbols;
};

// Queues every adjacent pair that key_of(left, right) gives a key, then repeatedly merges the
// pair with the best key (Better, e.g. std::less for BPE ranks), ties going to the smaller left
// index; stale pairs are skipped and the merged symbol's new neighbour pairs queued.
template <typename Key, typename Better, typename KeyOf>
void merge_symbols(SymbolChain& chain, KeyOf key_of) {
  struct Pair {
    Key key;
    int32_t left;
    int32_t right;
    size_t size;  // bytes of left + right when queued
  };
  // priority_queue pops the largest element under `comes_later`, i.e. the best pair.
  auto comes_later = [](const Pair& a, const Pair& b) {
    if (Better{}(b.key, a.key)) return true;
    return !Better{}(a.key, b.key) && a.left > b.left;
  };
  std::priority_queue<Pair, std::vector<Pair>, decltype(comes_later)> queue(comes_later);
  auto try_queue = [&](int32_t left, int32_t right) {
    if (const std::optional<Key> key = key_of(left, right))
      queue.push({*key, left, right, chain.text(left, right).size()});
  };
  const auto n = static_cast<int32_t>(chain.symbols().size());
  for (int32_t i = 1; i < n; ++i) try_queue(i - 1, i);
  while (!queue.empty()) {
    const Pair pair = queue.top();
    queue.pop();
    if (!chain.still_pair(pair.left, pair.right, pair.size)) continue;
    chain.merge(pair.left, pair.right);
    const Symbol& merged = chain[pair.left];
    if (merged.prev >= 0) try_queue(merged.prev, pair.left);
    if (merged.next >= 0) try_queue(pair.left, merged.next);
  }
}

}  // namespace etchsim::model::detail
