// Internal to the tokenizer: the vocabulary as llama.cpp's loader builds it from the
// tokenizer.ggml.* keys (docs/formats.md §6.1), shared by the encode sessions and the decoder.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "etchsim/gguf/reader.hpp"
#include "etchsim/model/tokenizer.hpp"

namespace etchsim::model::detail {

// Hash for heterogeneous (std::string_view) lookups in string-keyed maps.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <typename V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

struct Vocab {
  VocabType type = VocabType::Bpe;
  std::vector<std::string> texts;
  std::vector<float> scores;
  std::vector<TokenType> types;
  StringMap<int32_t> ids;
  // BPE merge ranks keyed by the merge string "A B" (rank = array index, first one wins).
  StringMap<int32_t> merge_ranks;
  // CONTROL, USER_DEFINED and UNKNOWN tokens, longest text first (§6.2).
  std::vector<int32_t> special_candidates;

  int32_t bos = kNoToken;
  int32_t eos = kNoToken;
  int32_t eot = kNoToken;
  int32_t eom = kNoToken;
  int32_t unk = kNoToken;
  bool add_bos = false;
  bool add_eos = false;
  bool add_space_prefix = false;
  bool ignore_merges = false;  // BPE: look the whole pre-token up before merging (§6.3)
  bool clean_spaces = false;   // BPE: decode removes spaces before punctuation

  int32_t n_tokens() const { return static_cast<int32_t>(texts.size()); }
  bool valid(int32_t id) const { return id >= 0 && id < n_tokens(); }
  int32_t find(std::string_view text) const {
    const auto it = ids.find(text);
    return it == ids.end() ? kNoToken : it->second;
  }
  // The rank of merging `left` with `right`, or -1.
  int32_t merge_rank(std::string_view left, std::string_view right) const;
};

Vocab load_vocab(const gguf::GgufFile& file);

}  // namespace etchsim::model::detail
