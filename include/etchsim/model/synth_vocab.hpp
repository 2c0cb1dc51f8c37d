// Tokenizer vocabularies for synthesized models, valid for llama.cpp's loader
// (docs/formats.md §6): gpt2-style byte-level BPE with real merges and the Llama 3
// pre-tokenizer name, or SentencePiece ("llama") with the 256 byte tokens.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "etchsim/gguf/writer.hpp"

namespace etchsim::model {

enum class VocabKind { Gpt2Bpe, SentencePiece };

struct SynthVocab {
  VocabKind kind = VocabKind::Gpt2Bpe;
  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<int32_t> token_types;  // 1 normal, 2 unknown, 3 control, 6 byte
  std::vector<std::string> merges;   // "A B", rank = index (BPE only)
  uint32_t bos_id = 0;
  uint32_t eos_id = 0;
  uint32_t eot_id = 0;  // BPE only (<|eot_id|>)
  uint32_t unk_id = 0;  // SPM only
};

// Deterministic: the same (kind, n_vocab) always gives the same vocabulary.
// Throws std::invalid_argument when n_vocab is too small for the kind.
SynthVocab make_synth_vocab(VocabKind kind, uint32_t n_vocab);
// Writes the tokenizer.ggml.* keys.
void add_vocab_metadata(gguf::GgufWriter& writer, const SynthVocab& vocab);

}  // namespace etchsim::model
