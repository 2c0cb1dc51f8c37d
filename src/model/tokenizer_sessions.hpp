// Internal to the tokenizer: the per-fragment encoders, one per vocabulary type. Each appends
// the tokens of one raw fragment (text between special tokens, §6.2) to `out`.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "tokenizer_vocab.hpp"

namespace etchsim::model::detail {

// Byte-level BPE with the Llama 3 pre-tokenizer (docs/formats.md §6.3).
void encode_bpe(const Vocab& vocab, std::string_view fragment, std::vector<int32_t>& out);

// SentencePiece with byte fallback (§6.4). `space_prefix`: prepend one space (step 1).
void encode_spm(const Vocab& vocab, std::string_view fragment, bool space_prefix,
                std::vector<int32_t>& out);

}  // namespace etchsim::model::detail
