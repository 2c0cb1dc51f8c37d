#include "etchsim/model/synth_vocab.hpp"

#include "synth_vocab_kinds.hpp"

namespace etchsim::model {

SynthVocab make_synth_vocab(VocabKind kind, uint32_t n_vocab) {
  return kind == VocabKind::Gpt2Bpe ? detail::make_bpe_vocab(n_vocab)
                                    : detail::make_spm_vocab(n_vocab);
}

// Key names and types as llama.cpp's loader reads them (docs/formats.md §6.1, §1.2).
void add_vocab_metadata(gguf::GgufWriter& writer, const SynthVocab& vocab) {
  const bool bpe = vocab.kind == VocabKind::Gpt2Bpe;
  writer.set("tokenizer.ggml.model", bpe ? "gpt2" : "llama");
  // llama-bpe selects the Llama 3 pre-tokenizer (and ignore_merges, §6.1).
  if (bpe) writer.set("tokenizer.ggml.pre", "llama-bpe");
  writer.set("tokenizer.ggml.tokens", gguf::Value::array_of(vocab.tokens));
  if (!vocab.scores.empty())
    writer.set("tokenizer.ggml.scores", gguf::Value::array_of(vocab.scores));
  writer.set("tokenizer.ggml.token_type", gguf::Value::array_of(vocab.token_types));
  if (bpe) writer.set("tokenizer.ggml.merges", gguf::Value::array_of(vocab.merges));
  writer.set("tokenizer.ggml.bos_token_id", vocab.bos_id);
  writer.set("tokenizer.ggml.eos_token_id", vocab.eos_id);
  if (bpe) {
    writer.set("tokenizer.ggml.eot_token_id", vocab.eot_id);
  } else {
    writer.set("tokenizer.ggml.unknown_token_id", vocab.unk_id);
    writer.set("tokenizer.ggml.add_space_prefix", true);
  }
  writer.set("tokenizer.ggml.add_bos_token", true);
}

}  // namespace etchsim::model
