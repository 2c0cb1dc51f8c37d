// Test helpers: tokenizers built from in-memory GGUF metadata, either the synthesized
// vocabularies (make_synth_vocab) or small hand-written ones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "etchsim/gguf/reader.hpp"
#include "etchsim/gguf/writer.hpp"
#include "etchsim/model/synth_vocab.hpp"
#include "etchsim/model/tokenizer.hpp"

namespace etchsim::model::testing {

inline Tokenizer tokenizer_from(const gguf::GgufWriter& writer) {
  const std::vector<std::byte> bytes = writer.to_bytes();
  return Tokenizer::from_gguf(gguf::GgufFile::parse(bytes, "test.gguf"));
}

inline Tokenizer synth_tokenizer(VocabKind kind, uint32_t n_vocab = 512) {
  gguf::GgufWriter writer;
  add_vocab_metadata(writer, make_synth_vocab(kind, n_vocab));
  return tokenizer_from(writer);
}

// GPT-2's byte-to-unicode, written out independently (docs/formats.md §6.3).
inline std::string gpt2_bytes(const std::string& text) {
  auto printable = [](unsigned b) {
    return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
  };
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    unsigned cp = byte;
    if (!printable(byte)) {
      cp = 0x100;
      for (unsigned b = 0; b < byte; ++b) cp += printable(b) ? 0 : 1;
    }
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  return out;
}

using Merges = std::vector<std::pair<std::string, std::string>>;

// A byte-level BPE vocabulary: the 256 byte tokens (id = byte), then `words` (raw text, mapped
// to GPT-2's code points), then <|bos|> and <|eos|> as CONTROL and `user_defined` as
// USER_DEFINED; `merges` are raw "A B" halves, mapped. pre = llama-bpe.
inline gguf::GgufWriter bpe_writer(const std::vector<std::string>& words = {},
                                   const Merges& merges_raw = {},
                                   const std::vector<std::string>& user_defined = {}) {
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  for (int b = 0; b < 256; ++b) tokens.push_back(gpt2_bytes(std::string(1, static_cast<char>(b))));
  for (const auto& w : words) tokens.push_back(gpt2_bytes(w));
  types.assign(tokens.size(), 1);
  const auto bos = static_cast<uint32_t>(tokens.size());
  tokens.insert(tokens.end(), {"<|bos|>", "<|eos|>"});
  types.insert(types.end(), {3, 3});
  for (const auto& u : user_defined) {
    tokens.push_back(u);
    types.push_back(4);
  }
  std::vector<std::string> merges;
  for (const auto& [a, b] : merges_raw) merges.push_back(gpt2_bytes(a) + " " + gpt2_bytes(b));
  gguf::GgufWriter writer;
  writer.set("tokenizer.ggml.model", "gpt2");
  writer.set("tokenizer.ggml.pre", "llama-bpe");
  writer.set("tokenizer.ggml.tokens", gguf::Value::array_of(tokens));
  writer.set("tokenizer.ggml.token_type", gguf::Value::array_of(types));
  writer.set("tokenizer.ggml.merges", gguf::Value::array_of(merges));
  writer.set("tokenizer.ggml.bos_token_id", bos);
  writer.set("tokenizer.ggml.eos_token_id", bos + 1);
  return writer;
}

using Pieces = std::vector<std::pair<std::string, float>>;

// A SentencePiece vocabulary: <unk>, <s>, </s>, then `pieces` with their scores (NORMAL, '▁'
// written as is), then the byte tokens <0xNN> when `byte_tokens`.
inline gguf::GgufWriter spm_writer(const Pieces& pieces, bool byte_tokens = true) {
  std::vector<std::string> tokens{"<unk>", "<s>", "</s>"};
  std::vector<float> scores{0, 0, 0};
  std::vector<int32_t> types{2, 3, 3};
  for (const auto& [piece, score] : pieces) {
    tokens.push_back(piece);
    scores.push_back(score);
    types.push_back(1);
  }
  if (byte_tokens) {
    for (int b = 0; b < 256; ++b) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      tokens.push_back(std::string("<0x") + kHex[b >> 4] + kHex[b & 15] + ">");
      scores.push_back(0);
      types.push_back(6);
    }
  }
  gguf::GgufWriter writer;
  writer.set("tokenizer.ggml.model", "llama");
  writer.set("tokenizer.ggml.tokens", gguf::Value::array_of(tokens));
  writer.set("tokenizer.ggml.scores", gguf::Value::array_of(scores));
  writer.set("tokenizer.ggml.token_type", gguf::Value::array_of(types));
  return writer;
}

}  // namespace etchsim::model::testing
