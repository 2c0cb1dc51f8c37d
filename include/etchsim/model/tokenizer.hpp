// The tokenizer of a GGUF model, as llama.cpp runs it (docs/formats.md §6):
// gpt2-style byte-level BPE with the Llama 3 pre-tokenizer (tokenizer.ggml.model "gpt2", pre
// "llama-bpe"/"llama3"/"llama-v3") and SentencePiece (tokenizer.ggml.model "llama") with byte
// fallback. encode() equals llama_tokenize and decode() llama_detokenize with remove_special
// off; tests/model/tokenizer_reference.cmake checks both against node-llama-cpp 3.21.1.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "etchsim/gguf/reader.hpp"

namespace etchsim::model {

enum class VocabType { Bpe, Spm };

// tokenizer.ggml.token_type values (§6.1).
enum class TokenType : int32_t {
  Undefined = 0,
  Normal = 1,
  Unknown = 2,
  Control = 3,
  UserDefined = 4,
  Unused = 5,
  Byte = 6,
};

inline constexpr int32_t kNoToken = -1;

namespace detail {
struct Vocab;
}

class Tokenizer {
 public:
  // Reads the tokenizer.ggml.* keys (§6.1). Throws std::runtime_error for a vocabulary type or
  // BPE pre-tokenizer other than the ones above, and gguf::GgufError for missing or mistyped keys.
  static Tokenizer from_gguf(const gguf::GgufFile& file);

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  // add_special: BOS first when add_bos(), EOS last when add_eos(). parse_special: CONTROL and
  // UNKNOWN token texts in `text` become those tokens (USER_DEFINED ones always do; §6.2).
  std::vector<int32_t> encode(std::string_view text, bool add_special = true,
                              bool parse_special = false) const;
  // The concatenated pieces. CONTROL and UNKNOWN tokens are empty unless render_special; with
  // add_space_prefix (SPM) the first piece loses one leading space; BPE then cleans spaces
  // before punctuation and contractions as llama.cpp does (see tokenizer_decode.cpp).
  std::string decode(std::span<const int32_t> tokens, bool render_special = false) const;
  // The text of one token as decode() renders it, before the first-piece and clean-up rules.
  std::string piece(int32_t token, bool render_special = false) const;
  // The raw vocabulary string (e.g. "Ġthe", "▁the", "<0x0A>", "<|eot_id|>").
  const std::string& token_text(int32_t token) const;
  TokenType token_type(int32_t token) const;
  // The id of a vocabulary string, or kNoToken.
  int32_t find(std::string_view text) const;

  VocabType type() const;
  int32_t n_vocab() const;
  int32_t bos() const;  // kNoToken when the vocabulary has none
  int32_t eos() const;
  int32_t eot() const;
  bool add_bos() const;
  bool add_eos() const;
  // End of generation: EOS, EOT or EOM.
  bool is_eog(int32_t token) const;

 private:
  explicit Tokenizer(std::unique_ptr<detail::Vocab> vocab);
  std::unique_ptr<detail::Vocab> m_vocab;
};

}  // namespace etchsim::model
