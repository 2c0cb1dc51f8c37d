// Tokenizer: loading, encoding (special-token partition, then the vocabulary's session per raw
// fragment, docs/formats.md §6.2-§6.4) and the vocabulary accessors.
#include "etchsim/model/tokenizer.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "tokenizer_partition.hpp"
#include "tokenizer_sessions.hpp"
#include "tokenizer_vocab.hpp"

namespace etchsim::model {

Tokenizer::Tokenizer(std::unique_ptr<detail::Vocab> vocab) : m_vocab(std::move(vocab)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Tokenizer Tokenizer::from_gguf(const gguf::GgufFile& file) {
  return Tokenizer(std::make_unique<detail::Vocab>(detail::load_vocab(file)));
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special,
                                       bool parse_special) const {
  const detail::Vocab& vocab = *m_vocab;
  std::vector<int32_t> tokens;
  if (add_special && vocab.add_bos && vocab.bos != kNoToken) tokens.push_back(vocab.bos);
  // SPM step 1 (§6.4): a raw fragment at the start or after a special token gets a space prefix,
  // whether or not BOS was added.
  bool after_special = true;
  for (const detail::Fragment& fragment : detail::partition_special(vocab, text, parse_special)) {
    if (fragment.token != kNoToken) {
      tokens.push_back(fragment.token);
      after_special = true;
    } else if (vocab.type == VocabType::Spm) {
      detail::encode_spm(vocab, fragment.text, vocab.add_space_prefix && after_special, tokens);
      after_special = false;
    } else {
      detail::encode_bpe(vocab, fragment.text, tokens);
    }
  }
  if (add_special && vocab.add_eos && vocab.eos != kNoToken) tokens.push_back(vocab.eos);
  return tokens;
}

const std::string& Tokenizer::token_text(int32_t token) const {
  if (!m_vocab->valid(token))
    throw std::out_of_range(fmt::format("token id {} outside [0, {})", token, n_vocab()));
  return m_vocab->texts[token];
}

TokenType Tokenizer::token_type(int32_t token) const {
  token_text(token);  // range check
  return m_vocab->types[token];
}

int32_t Tokenizer::find(std::string_view text) const { return m_vocab->find(text); }
VocabType Tokenizer::type() const { return m_vocab->type; }
int32_t Tokenizer::n_vocab() const { return m_vocab->n_tokens(); }
int32_t Tokenizer::bos() const { return m_vocab->bos; }
int32_t Tokenizer::eos() const { return m_vocab->eos; }
int32_t Tokenizer::eot() const { return m_vocab->eot; }
bool Tokenizer::add_bos() const { return m_vocab->add_bos; }
bool Tokenizer::add_eos() const { return m_vocab->add_eos; }

bool Tokenizer::is_eog(int32_t token) const {
  return token != kNoToken &&
         (token == m_vocab->eos || token == m_vocab->eot || token == m_vocab->eom);
}

}  // namespace etchsim::model
