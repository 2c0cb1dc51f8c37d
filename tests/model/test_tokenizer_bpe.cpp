// Byte-level BPE with the Llama 3 pre-tokenizer (docs/formats.md §6.3).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tokenizer_test_vocab.hpp"

namespace etchsim::model {
namespace {

using testing::bpe_writer;
using testing::gpt2_bytes;
using testing::synth_tokenizer;
using testing::tokenizer_from;

using Ids = std::vector<int32_t>;

// The id of a raw word of a hand-written BPE vocabulary.
int32_t id(const Tokenizer& tok, const std::string& raw) {
  const int32_t token = tok.find(gpt2_bytes(raw));
  EXPECT_NE(token, kNoToken) << raw;
  return token;
}

int32_t byte_id(char c) { return static_cast<unsigned char>(c); }

std::string pieces(const Tokenizer& tok, const Ids& ids) {
  std::string text;
  for (const int32_t token : ids) text += tok.piece(token);
  return text;
}

TEST(TokenizerBpe, RoundTripsThroughPiecesAndDecode) {
  const Tokenizer tok = synth_tokenizer(VocabKind::Gpt2Bpe);
  const std::vector<std::string> texts = {"Hello world",
                                          "The quick brown fox.",
                                          "café naïve",
                                          "中文 日本語",
                                          "emoji 😀 👨‍👩‍👧",
                                          "1234567890",
                                          "a  b\t\tc",
                                          "x\n\n\ny\r\nz",
                                          "  lead",
                                          "trail  ",
                                          "don't WE'VE",
                                          "\xC2\xA0nbsp",
                                          "tabs\t\t\t",
                                          "'",
                                          ""};
  for (const std::string& text : texts) {
    const Ids ids = tok.encode(text, false);
    EXPECT_EQ(pieces(tok, ids), text) << text;
    EXPECT_EQ(tok.decode(ids), text) << text;
  }
}

TEST(TokenizerBpe, DigitRunsSplitIntoThreesFromTheLeft) {
  const Tokenizer tok = tokenizer_from(bpe_writer({"123", "456", "1234", "12"}));
  EXPECT_EQ(tok.encode("1234567", false), (Ids{id(tok, "123"), id(tok, "456"), byte_id('7')}));
  EXPECT_EQ(tok.encode("12", false), (Ids{id(tok, "12")}));
  EXPECT_EQ(tok.encode("x123", false), (Ids{byte_id('x'), id(tok, "123")}));
}

TEST(TokenizerBpe, ContractionsMatchInBothCases) {
  const Tokenizer tok =
      tokenizer_from(bpe_writer({"it", "IT", "'s", "'S", "'ll", "'LL", "'Ll", "'ve"}));
  EXPECT_EQ(tok.encode("it's", false), (Ids{id(tok, "it"), id(tok, "'s")}));
  EXPECT_EQ(tok.encode("IT'S", false), (Ids{id(tok, "IT"), id(tok, "'S")}));
  EXPECT_EQ(tok.encode("IT'LL", false), (Ids{id(tok, "IT"), id(tok, "'LL")}));
  EXPECT_EQ(tok.encode("it'Ll", false), (Ids{id(tok, "it"), id(tok, "'Ll")}));
  // "'ve" splits off even when letters follow; "'x" is no contraction.
  EXPECT_EQ(tok.encode("'vex", false), (Ids{id(tok, "'ve"), byte_id('x')}));
  EXPECT_EQ(tok.encode("'x", false), (Ids{byte_id('\''), byte_id('x')}));
}

TEST(TokenizerBpe, WholeWordLookupComesBeforeMerges) {
  // Merges alone would give "a" + "bc"; ignore_merges (llama-bpe) finds "abc" first.
  const Tokenizer tok = tokenizer_from(bpe_writer({"bc", "abc"}, {{"b", "c"}}));
  EXPECT_EQ(tok.encode("abc", false), (Ids{id(tok, "abc")}));
  EXPECT_EQ(tok.encode("abcd", false), (Ids{byte_id('a'), id(tok, "bc"), byte_id('d')}));
}

TEST(TokenizerBpe, MergesGoByRankThenLeftmost) {
  const Tokenizer by_rank = tokenizer_from(bpe_writer({"ab", "bc"}, {{"b", "c"}, {"a", "b"}}));
  EXPECT_EQ(by_rank.encode("xabc", false), (Ids{byte_id('x'), byte_id('a'), id(by_rank, "bc")}));
  const Tokenizer swapped = tokenizer_from(bpe_writer({"ab", "bc"}, {{"a", "b"}, {"b", "c"}}));
  EXPECT_EQ(swapped.encode("xabc", false), (Ids{byte_id('x'), id(swapped, "ab"), byte_id('c')}));
  const Tokenizer leftmost = tokenizer_from(bpe_writer({"aa"}, {{"a", "a"}}));
  EXPECT_EQ(leftmost.encode("aaa", false), (Ids{id(leftmost, "aa"), byte_id('a')}));
}

TEST(TokenizerBpe, InvalidUtf8BecomesOneReplacementCharPerBadByte) {
  const Tokenizer tok = synth_tokenizer(VocabKind::Gpt2Bpe);
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(tok.decode(tok.encode("a\xFF"
                                  "b",
                                  false)),
            "a" + fffd + "b");
  EXPECT_EQ(tok.decode(tok.encode("\xE2\x82", false)), fffd + fffd);                    // truncated
  EXPECT_EQ(tok.decode(tok.encode("\xC0\x80", false)), fffd + fffd);                    // overlong
  EXPECT_EQ(tok.decode(tok.encode("x\xED\xA0\x80", false)), "x" + fffd + fffd + fffd);  // surrogate
  EXPECT_EQ(tok.decode(tok.encode("\xE2\x82\xAC", false)), "\xE2\x82\xAC");  // valid: €
}

TEST(TokenizerBpe, WhitespaceIsLlamaCppsSetNotPcre2s) {
  // U+180E is \s to PCRE2 but not to llama.cpp: " \u180e" is then a punctuation pre-token (the
  // whole word "Ġ" + U+180E's bytes is found), not a lone space.
  const std::string mvs = "\xE1\xA0\x8E";
  const Tokenizer tok = tokenizer_from(bpe_writer({" " + mvs, "word", " word"}));
  EXPECT_EQ(tok.encode(" " + mvs + "word", false), (Ids{id(tok, " " + mvs), id(tok, "word")}));
  // U+0085 (NEL) is whitespace: a run of spaces before a word leaves its last one to the word.
  const Tokenizer nel = tokenizer_from(bpe_writer({"\xC2\x85", "\xC2\x85word"}));
  EXPECT_EQ(nel.encode("\xC2\x85\xC2\x85word", false),
            (Ids{id(nel, "\xC2\x85"), id(nel, "\xC2\x85word")}));
}

TEST(TokenizerBpe, NewlineAndSpaceRuns) {
  const Tokenizer tok = tokenizer_from(bpe_writer({"\n\n", " b", "  ", " y", " \n"}));
  EXPECT_EQ(tok.encode("a\n\n b", false), (Ids{byte_id('a'), id(tok, "\n\n"), id(tok, " b")}));
  EXPECT_EQ(tok.encode("x   y", false), (Ids{byte_id('x'), id(tok, "  "), id(tok, " y")}));
  EXPECT_EQ(tok.encode("x \ny", false), (Ids{byte_id('x'), id(tok, " \n"), byte_id('y')}));
}

TEST(TokenizerBpe, DecodeCleansSpacesLikeLlamaCpp) {
  const Tokenizer tok = synth_tokenizer(VocabKind::Gpt2Bpe);
  auto round_trip = [&](const std::string& text) { return tok.decode(tok.encode(text, false)); };
  EXPECT_EQ(round_trip("a ? b ! c . d , e ; f"), "a? b! c. d, e ; f");
  EXPECT_EQ(round_trip("x ' y"), "x'y");
  EXPECT_EQ(round_trip("x 's y 't z 'm w 're v 've u 'll"), "x's y 't z'm w're v've u 'll");
  EXPECT_EQ(round_trip("x 'S a n't"), "x 'S a n't");
}

}  // namespace
}  // namespace etchsim::model
