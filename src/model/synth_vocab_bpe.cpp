// gpt2-style byte-level BPE vocabulary (tokenizer.ggml.model "gpt2", pre "llama-bpe"):
// 256 byte tokens, merged tokens learned from synth_corpus() and then synthetic word-like
// merges, and the special tokens at the end (Llama 3 layout at 128256 tokens).
#include <fmt/format.h>

#include <stdexcept>

#include "merge_table.hpp"
#include "synth_corpus.hpp"
#include "synth_vocab_kinds.hpp"

namespace etchsim::model::detail {
namespace {

constexpr uint32_t kLlama3Vocab = 128256;  // Llama 3 / 3.1: 128000 regular + 256 special
constexpr uint32_t kLlama3SpecialCount = 256;
constexpr uint64_t kSyntheticMergeSeed = 0x6770'7432'6270'6531ull;  // fixed: vocab is a constant

// GPT-2 byte-to-unicode (docs/formats.md §6.3): printable Latin-1 bytes map to themselves, the
// other 68 bytes in increasing order to U+0100, U+0101, ...
uint32_t byte_code_point(uint8_t byte) {
  auto printable = [](uint32_t b) {
    return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
  };
  if (printable(byte)) return byte;
  uint32_t index = 0;
  for (uint32_t b = 0; b < byte; ++b) index += printable(b) ? 0 : 1;
  return 0x100 + index;
}

std::string utf8(uint32_t code_point) {  // code points below U+0800 suffice here
  if (code_point < 0x80) return std::string(1, static_cast<char>(code_point));
  return {static_cast<char>(0xC0 | (code_point >> 6)),
          static_cast<char>(0x80 | (code_point & 0x3F))};
}

std::string byte_token(uint8_t byte) { return utf8(byte_code_point(byte)); }

// Llama 3.1's special tokens, ids 128000..128255 (its tokenizer_config.json).
std::vector<std::string> llama3_specials() {
  std::vector<std::string> specials{"<|begin_of_text|>",
                                    "<|end_of_text|>",
                                    "<|reserved_special_token_0|>",
                                    "<|reserved_special_token_1|>",
                                    "<|finetune_right_pad_id|>",
                                    "<|reserved_special_token_2|>",
                                    "<|start_header_id|>",
                                    "<|end_header_id|>",
                                    "<|eom_id|>",
                                    "<|eot_id|>",
                                    "<|python_tag|>"};
  for (uint32_t n = 3; specials.size() < kLlama3SpecialCount; ++n)
    specials.push_back(fmt::format("<|reserved_special_token_{}|>", n));
  return specials;
}

std::vector<std::string> special_tokens(uint32_t n_vocab) {
  if (n_vocab == kLlama3Vocab) return llama3_specials();
  return {"<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"};
}

}  // namespace

SynthVocab make_bpe_vocab(uint32_t n_vocab) {
  const std::vector<std::string> specials = special_tokens(n_vocab);
  const auto n_special = static_cast<uint32_t>(specials.size());
  if (n_vocab < 256 + n_special) {
    throw std::invalid_argument(fmt::format(
        "a gpt2 BPE vocabulary needs at least {} tokens (256 bytes and {} special), not {}",
        256 + n_special, n_special, n_vocab));
  }
  const uint32_t n_regular = n_vocab - n_special;

  std::vector<std::string> bytes;
  for (uint32_t b = 0; b < 256; ++b) bytes.push_back(byte_token(static_cast<uint8_t>(b)));
  MergeTable table(std::move(bytes));

  std::vector<Word> words;
  for (const std::string& pre_token : pre_split_llama3(synth_corpus())) {
    Word& word = words.emplace_back();
    for (const char c : pre_token) word.push_back(static_cast<uint8_t>(c));
  }
  train_bpe(table, std::move(words), n_regular);
  extend_with_words(table, byte_token(' '), n_regular, kSyntheticMergeSeed);

  SynthVocab vocab;
  vocab.kind = VocabKind::Gpt2Bpe;
  vocab.tokens = table.tokens();
  vocab.token_types.assign(vocab.tokens.size(), 1);
  vocab.merges.reserve(table.merges().size());
  for (const auto& [left, right] : table.merges())
    vocab.merges.push_back(vocab.tokens[left] + " " + vocab.tokens[right]);
  auto id_of = [&](std::string_view special) {
    for (uint32_t i = 0; i < n_special; ++i) {
      if (specials[i] == special) return n_regular + i;
    }
    throw std::logic_error(fmt::format("missing special token {}", special));
  };
  vocab.bos_id = id_of("<|begin_of_text|>");
  vocab.eos_id = id_of("<|end_of_text|>");
  vocab.eot_id = id_of("<|eot_id|>");
  for (const std::string& special : specials) {
    vocab.tokens.push_back(special);
    vocab.token_types.push_back(3);
  }
  return vocab;
}

}  // namespace etchsim::model::detail
