// SentencePiece with byte fallback (docs/formats.md §6.4).
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "tokenizer_test_vocab.hpp"

namespace etchsim::model {
namespace {

using testing::spm_writer;
using testing::synth_tokenizer;
using testing::tokenizer_from;

using Ids = std::vector<int32_t>;

const std::string kMark = "\xE2\x96\x81";  // U+2581 '▁'

Tokenizer hello_vocab() {
  return tokenizer_from(
      spm_writer({{kMark, -1}, {kMark + "hi", -2}, {"h", -3}, {"i", -4}, {kMark + "h", -5}}));
}

TEST(TokenizerSpm, SpacePrefixAtTheStartEvenWithoutBos) {
  const Tokenizer tok = hello_vocab();
  const int32_t hi = tok.find(kMark + "hi");
  EXPECT_EQ(tok.encode("hi", false), (Ids{hi}));
  EXPECT_EQ(tok.encode("hi"), (Ids{tok.bos(), hi}));
  EXPECT_EQ(tok.encode(" hi", false), (Ids{tok.find(kMark), hi}));
}

TEST(TokenizerSpm, SpacePrefixAfterEverySpecialToken) {
  const Tokenizer tok = hello_vocab();
  const int32_t hi = tok.find(kMark + "hi");
  EXPECT_EQ(tok.encode("hi</s>hi", false, true), (Ids{hi, tok.eos(), hi}));
  EXPECT_EQ(tok.encode("<s>hi", false, true), (Ids{tok.bos(), hi}));
}

TEST(TokenizerSpm, ByteFallbackForCharactersThatAreNoToken) {
  const Tokenizer tok = hello_vocab();
  const Ids ids = tok.encode("hi中", false);
  EXPECT_EQ(ids, (Ids{tok.find(kMark + "hi"), tok.find("<0xE4>"), tok.find("<0xB8>"),
                      tok.find("<0xAD>")}));
  EXPECT_EQ(tok.decode(ids), "hi中");
  // A stray continuation byte is a one-byte character and falls back alone.
  EXPECT_EQ(tok.encode("\x80", false), (Ids{tok.find(kMark), tok.find("<0x80>")}));
}

TEST(TokenizerSpm, ByteFallbackUsesOneByteTokensThenFails) {
  const Tokenizer tok = tokenizer_from(spm_writer({{kMark, -1}, {"a", -2}, {"\n", -3}}, false));
  EXPECT_EQ(tok.encode("a\n", false), (Ids{tok.find(kMark), tok.find("a"), tok.find("\n")}));
  EXPECT_THROW(tok.encode("ab", false), std::runtime_error);
}

TEST(TokenizerSpm, HigherScoreMergesFirst) {
  const std::vector<std::pair<std::string, float>> base = {
      {kMark, 0}, {"a", 0}, {"b", 0}, {"c", 0}};
  auto with = [&](float ab, float bc) {
    auto pieces = base;
    pieces.emplace_back("ab", ab);
    pieces.emplace_back("bc", bc);
    return tokenizer_from(spm_writer(pieces));
  };
  const Tokenizer bc_first = with(-1, -0.5f);
  EXPECT_EQ(bc_first.encode("abc", false),
            (Ids{bc_first.find(kMark), bc_first.find("a"), bc_first.find("bc")}));
  const Tokenizer ab_first = with(-0.5f, -1);
  EXPECT_EQ(ab_first.encode("abc", false),
            (Ids{ab_first.find(kMark), ab_first.find("ab"), ab_first.find("c")}));
}

TEST(TokenizerSpm, DecodeDropsThePrefixSpaceOfTheFirstPieceOnly) {
  const Tokenizer tok = synth_tokenizer(VocabKind::SentencePiece);
  for (const std::string text : {"Hello world", "  two spaces", "a\n\n b", "中文 😀", "x 's ,"}) {
    EXPECT_EQ(tok.decode(tok.encode(text, false)), text) << text;
  }
  // With BOS first, BOS takes the strip (it renders empty), so the prefix space stays.
  EXPECT_EQ(tok.decode(tok.encode("Hello", true)), " Hello");
  EXPECT_EQ(tok.decode(tok.encode("Hello", true), true), "<s> Hello");
}

}  // namespace
}  // namespace etchsim::model
