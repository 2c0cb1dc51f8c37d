// BOS/EOS from metadata, the special-token partition (docs/formats.md §6.1, §6.2) and the
// accessors.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "tokenizer_test_vocab.hpp"

namespace etchsim::model {
namespace {

using testing::bpe_writer;
using testing::synth_tokenizer;
using testing::tokenizer_from;

using Ids = std::vector<int32_t>;

int32_t byte_id(char c) { return static_cast<unsigned char>(c); }

TEST(TokenizerSpecial, BosAndEosFromMetadata) {
  const Tokenizer tok = synth_tokenizer(VocabKind::Gpt2Bpe);
  EXPECT_EQ(tok.type(), VocabType::Bpe);
  EXPECT_EQ(tok.n_vocab(), 512);
  EXPECT_EQ(tok.token_text(tok.bos()), "<|begin_of_text|>");
  EXPECT_EQ(tok.token_text(tok.eos()), "<|end_of_text|>");
  EXPECT_EQ(tok.token_text(tok.eot()), "<|eot_id|>");
  EXPECT_TRUE(tok.add_bos());
  EXPECT_FALSE(tok.add_eos());
  const Ids ids = tok.encode("hi");
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids.front(), tok.bos());
  EXPECT_EQ(Ids(ids.begin() + 1, ids.end()), tok.encode("hi", false));
}

TEST(TokenizerSpecial, AddKeysOverrideTheDefaults) {
  gguf::GgufWriter writer = bpe_writer();
  writer.set("tokenizer.ggml.add_bos_token", false);
  writer.set("tokenizer.ggml.add_eos_token", true);
  const Tokenizer tok = tokenizer_from(writer);
  EXPECT_EQ(tok.encode("a"), (Ids{byte_id('a'), tok.eos()}));
  EXPECT_EQ(tok.encode("a", false), (Ids{byte_id('a')}));
}

TEST(TokenizerSpecial, EmptyTextGivesOnlyTheAddedTokens) {
  for (const VocabKind kind : {VocabKind::Gpt2Bpe, VocabKind::SentencePiece}) {
    const Tokenizer tok = synth_tokenizer(kind);
    EXPECT_EQ(tok.encode("", false), Ids{});
    EXPECT_EQ(tok.encode(""), Ids{tok.bos()});
    EXPECT_EQ(tok.decode(Ids{}), "");
  }
}

TEST(TokenizerSpecial, ControlTokensMatchOnlyWithParseSpecial) {
  const Tokenizer tok = tokenizer_from(bpe_writer());
  const int32_t bos = tok.find("<|bos|>");
  EXPECT_EQ(tok.encode("a<|bos|>b", false, true), (Ids{byte_id('a'), bos, byte_id('b')}));
  const Ids plain = tok.encode("a<|bos|>b", false, false);
  EXPECT_EQ(plain.size(), 9u);
  EXPECT_EQ(tok.decode(plain), "a<|bos|>b");
}

TEST(TokenizerSpecial, UserDefinedTokensAlwaysMatchLongestFirst) {
  const Tokenizer tok = tokenizer_from(bpe_writer({}, {}, {"<a>", "<a><b>"}));
  const int32_t a = tok.find("<a>"), ab = tok.find("<a><b>");
  EXPECT_EQ(tok.encode("x<a><b>y<a>", false), (Ids{byte_id('x'), ab, byte_id('y'), a}));
  EXPECT_EQ(tok.decode(Ids{a, byte_id('z')}), "<a>z");
}

TEST(TokenizerSpecial, ControlTokensRenderOnlyOnRequest) {
  const Tokenizer tok = tokenizer_from(bpe_writer());
  const Ids ids = {tok.bos(), byte_id('a'), tok.eos()};
  EXPECT_EQ(tok.decode(ids), "a");
  EXPECT_EQ(tok.decode(ids, true), "<|bos|>a<|eos|>");
  EXPECT_EQ(tok.piece(tok.bos()), "");
  EXPECT_EQ(tok.piece(tok.bos(), true), "<|bos|>");
}

TEST(TokenizerSpecial, EndOfGeneration) {
  const Tokenizer bpe = synth_tokenizer(VocabKind::Gpt2Bpe);
  EXPECT_TRUE(bpe.is_eog(bpe.eos()));
  EXPECT_TRUE(bpe.is_eog(bpe.eot()));
  EXPECT_FALSE(bpe.is_eog(bpe.bos()));
  EXPECT_FALSE(bpe.is_eog(kNoToken));
  const Tokenizer spm = synth_tokenizer(VocabKind::SentencePiece);
  EXPECT_EQ(spm.eot(), kNoToken);
  EXPECT_TRUE(spm.is_eog(spm.eos()));
  EXPECT_EQ(spm.token_type(0), TokenType::Unknown);
  EXPECT_EQ(spm.token_type(3), TokenType::Byte);
}

TEST(TokenizerSpecial, RejectsWhatItDoesNotImplement) {
  gguf::GgufWriter bert;
  bert.set("tokenizer.ggml.model", "bert");
  bert.set("tokenizer.ggml.tokens", gguf::Value::array_of(std::vector<std::string>{"a"}));
  EXPECT_THROW(tokenizer_from(bert), std::runtime_error);
  gguf::GgufWriter no_pre;
  no_pre.set("tokenizer.ggml.model", "gpt2");
  no_pre.set("tokenizer.ggml.tokens", gguf::Value::array_of(std::vector<std::string>{"a"}));
  EXPECT_THROW(tokenizer_from(no_pre), std::runtime_error);
  const Tokenizer tok = synth_tokenizer(VocabKind::Gpt2Bpe);
  EXPECT_THROW(tok.token_text(-1), std::out_of_range);
  EXPECT_THROW(tok.token_text(tok.n_vocab()), std::out_of_range);
}

}  // namespace
}  // namespace etchsim::model
