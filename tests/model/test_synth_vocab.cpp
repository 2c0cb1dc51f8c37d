#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "etchsim/model/synth_vocab.hpp"

namespace etchsim::model {
namespace {

const std::string kSpmSpace = "\xE2\x96\x81";  // U+2581
const std::string kBpeSpace = "\xC4\xA0";      // U+0120, GPT-2's encoding of ' '

std::unordered_map<std::string, uint32_t> index_of(const SynthVocab& vocab) {
  std::unordered_map<std::string, uint32_t> ids;
  for (uint32_t i = 0; i < vocab.tokens.size(); ++i) ids.emplace(vocab.tokens[i], i);
  return ids;
}

// Code points of a UTF-8 string, each as its own string.
std::vector<std::string> utf8_chars(const std::string& s) {
  std::vector<std::string> chars;
  for (size_t i = 0; i < s.size();) {
    const auto lead = static_cast<unsigned char>(s[i]);
    const size_t len = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    chars.push_back(s.substr(i, len));
    i += len;
  }
  return chars;
}

// GPT-2 byte-to-unicode, written out independently of the library (docs/formats.md §6.3).
std::string gpt2_byte(unsigned b) {
  auto printable = [](unsigned x) {
    return (x >= 0x21 && x <= 0x7E) || (x >= 0xA1 && x <= 0xAC) || (x >= 0xAE && x <= 0xFF);
  };
  unsigned cp = b;
  if (!printable(b)) {
    cp = 0x100;
    for (unsigned x = 0; x < b; ++x) cp += printable(x) ? 0 : 1;
  }
  if (cp < 0x80) return std::string(1, static_cast<char>(cp));
  return {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
}

// A plain BPE encoder of one pre-token (already byte-encoded): merge the lowest-rank pair until
// none is left (docs/formats.md §6.3, without the whole-word shortcut).
size_t bpe_token_count(const SynthVocab& vocab, const std::string& word) {
  std::map<std::pair<std::string, std::string>, size_t> rank;
  for (size_t i = 0; i < vocab.merges.size(); ++i) {
    const std::string& m = vocab.merges[i];
    const size_t space = m.find(' ', 1);
    rank.emplace(std::make_pair(m.substr(0, space), m.substr(space + 1)), i);
  }
  std::vector<std::string> symbols = utf8_chars(word);
  for (;;) {
    size_t best = std::numeric_limits<size_t>::max(), at = 0;
    for (size_t i = 0; i + 1 < symbols.size(); ++i) {
      const auto it = rank.find({symbols[i], symbols[i + 1]});
      if (it != rank.end() && it->second < best) best = it->second, at = i;
    }
    if (best == std::numeric_limits<size_t>::max()) return symbols.size();
    symbols[at] += symbols[at + 1];
    symbols.erase(symbols.begin() + static_cast<std::ptrdiff_t>(at) + 1);
  }
}

class SynthVocabSizes : public ::testing::TestWithParam<uint32_t> {};

TEST_P(SynthVocabSizes, Gpt2BpeInvariants) {
  const uint32_t n_vocab = GetParam();
  const SynthVocab vocab = make_synth_vocab(VocabKind::Gpt2Bpe, n_vocab);
  ASSERT_EQ(vocab.tokens.size(), n_vocab);
  ASSERT_EQ(vocab.token_types.size(), n_vocab);
  EXPECT_TRUE(vocab.scores.empty());
  const auto ids = index_of(vocab);
  EXPECT_EQ(ids.size(), n_vocab) << "tokens are not unique";

  for (unsigned b = 0; b < 256; ++b) {
    EXPECT_EQ(vocab.tokens[b], gpt2_byte(b)) << "byte " << b;
    EXPECT_EQ(vocab.token_types[b], 1);
  }
  const uint32_t n_special = n_vocab == 128256 ? 256 : 3;
  const uint32_t n_regular = n_vocab - n_special;
  ASSERT_EQ(vocab.merges.size(), n_regular - 256u);
  for (size_t rank = 0; rank < vocab.merges.size(); ++rank) {
    const std::string& m = vocab.merges[rank];
    const size_t space = m.find(' ', 1);
    ASSERT_NE(space, std::string::npos) << m;
    const std::string left = m.substr(0, space), right = m.substr(space + 1);
    ASSERT_TRUE(ids.contains(left) && ids.contains(right)) << m;
    const auto joined = ids.find(left + right);
    ASSERT_NE(joined, ids.end()) << m;
    EXPECT_EQ(joined->second, 256 + rank) << m;  // merge `rank` made token 256 + rank
    EXPECT_LT(ids.at(left), joined->second);
    EXPECT_LT(ids.at(right), joined->second);
  }
  for (uint32_t id = 256; id < n_regular; ++id) EXPECT_EQ(vocab.token_types[id], 1);
  for (uint32_t id = n_regular; id < n_vocab; ++id) {
    EXPECT_EQ(vocab.token_types[id], 3) << vocab.tokens[id];
    EXPECT_TRUE(vocab.tokens[id].starts_with("<|")) << vocab.tokens[id];
  }
  EXPECT_EQ(vocab.tokens.at(vocab.bos_id), "<|begin_of_text|>");
  EXPECT_EQ(vocab.tokens.at(vocab.eos_id), "<|end_of_text|>");
  EXPECT_EQ(vocab.tokens.at(vocab.eot_id), "<|eot_id|>");
  EXPECT_EQ(vocab.bos_id, n_regular);
}

TEST_P(SynthVocabSizes, SentencePieceInvariants) {
  const uint32_t n_vocab = GetParam();
  const SynthVocab vocab = make_synth_vocab(VocabKind::SentencePiece, n_vocab);
  ASSERT_EQ(vocab.tokens.size(), n_vocab);
  ASSERT_EQ(vocab.token_types.size(), n_vocab);
  ASSERT_EQ(vocab.scores.size(), n_vocab);
  const auto ids = index_of(vocab);
  EXPECT_EQ(ids.size(), n_vocab) << "tokens are not unique";

  EXPECT_EQ(vocab.tokens[0], "<unk>");
  EXPECT_EQ(vocab.tokens[1], "<s>");
  EXPECT_EQ(vocab.tokens[2], "</s>");
  EXPECT_EQ(vocab.token_types[0], 2);
  EXPECT_EQ(vocab.token_types[1], 3);
  EXPECT_EQ(vocab.token_types[2], 3);
  EXPECT_EQ(vocab.unk_id, 0u);
  EXPECT_EQ(vocab.bos_id, 1u);
  EXPECT_EQ(vocab.eos_id, 2u);
  EXPECT_EQ(vocab.tokens[3], "<0x00>");
  EXPECT_EQ(vocab.tokens[3 + 0x0A], "<0x0A>");
  EXPECT_EQ(vocab.tokens[3 + 0xFF], "<0xFF>");
  for (uint32_t id = 0; id < 259; ++id) EXPECT_EQ(vocab.scores[id], 0.0f);
  for (uint32_t id = 3; id < 259; ++id) EXPECT_EQ(vocab.token_types[id], 6);

  EXPECT_TRUE(ids.contains(kSpmSpace));
  for (char c = '!'; c <= '~'; ++c) EXPECT_TRUE(ids.contains(std::string(1, c))) << c;
  for (uint32_t id = 259; id < n_vocab; ++id) {
    EXPECT_EQ(vocab.token_types[id], 1);
    if (id > 259) {
      EXPECT_LT(vocab.scores[id], vocab.scores[id - 1]);
    }
    // Reachable by SPM merging: two shorter pieces that are in the vocabulary.
    const auto chars = utf8_chars(vocab.tokens[id]);
    if (chars.size() < 2) continue;
    bool splittable = false;
    for (size_t cut = 1; cut < chars.size() && !splittable; ++cut) {
      std::string left, right;
      for (size_t i = 0; i < chars.size(); ++i) (i < cut ? left : right) += chars[i];
      const auto l = ids.find(left), r = ids.find(right);
      splittable = l != ids.end() && r != ids.end() && l->second >= 259 && r->second >= 259;
    }
    EXPECT_TRUE(splittable) << vocab.tokens[id];
  }
}

TEST_P(SynthVocabSizes, Deterministic) {
  for (const VocabKind kind : {VocabKind::Gpt2Bpe, VocabKind::SentencePiece}) {
    const SynthVocab a = make_synth_vocab(kind, GetParam());
    const SynthVocab b = make_synth_vocab(kind, GetParam());
    EXPECT_EQ(a.tokens, b.tokens);
    EXPECT_EQ(a.merges, b.merges);
    EXPECT_EQ(a.scores, b.scores);
    EXPECT_EQ(a.token_types, b.token_types);
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, SynthVocabSizes, ::testing::Values(512u, 1024u, 128256u));

TEST(SynthVocab, Llama3SpecialTokenLayout) {
  const SynthVocab vocab = make_synth_vocab(VocabKind::Gpt2Bpe, 128256);
  EXPECT_EQ(vocab.bos_id, 128000u);
  EXPECT_EQ(vocab.eos_id, 128001u);
  EXPECT_EQ(vocab.eot_id, 128009u);
  EXPECT_EQ(vocab.tokens[128004], "<|finetune_right_pad_id|>");
  EXPECT_EQ(vocab.tokens[128006], "<|start_header_id|>");
  EXPECT_EQ(vocab.tokens[128007], "<|end_header_id|>");
  EXPECT_EQ(vocab.tokens[128008], "<|eom_id|>");
  EXPECT_EQ(vocab.tokens[128255], "<|reserved_special_token_247|>");
}

TEST(SynthVocab, TooSmallVocabulariesAreRejected) {
  EXPECT_THROW(make_synth_vocab(VocabKind::Gpt2Bpe, 258), std::invalid_argument);
  EXPECT_NO_THROW(make_synth_vocab(VocabKind::Gpt2Bpe, 259));
  EXPECT_THROW(make_synth_vocab(VocabKind::SentencePiece, 300), std::invalid_argument);
}

// The merges make English text into multi-byte tokens, not bytes.
TEST(SynthVocab, BpeMergesCompressEnglish) {
  const SynthVocab vocab = make_synth_vocab(VocabKind::Gpt2Bpe, 1024);
  const auto ids = index_of(vocab);
  for (const std::string word : {"the", "The", "people"}) {
    EXPECT_TRUE(ids.contains(word)) << word;
    EXPECT_TRUE(ids.contains(kBpeSpace + word)) << word;
  }
  // Pre-tokens of "The engineers tested their new design carefully" in byte-encoded form.
  size_t bytes = 0, tokens = 0;
  for (const std::string text :
       {"The", " engineers", " tested", " their", " new", " design", " carefully"}) {
    std::string word;
    for (const char c : text) word += c == ' ' ? kBpeSpace : std::string(1, c);
    bytes += text.size();
    tokens += bpe_token_count(vocab, word);
  }
  EXPECT_LT(tokens * 2, bytes) << tokens << " tokens for " << bytes << " bytes";
}

}  // namespace
}  // namespace etchsim::model
