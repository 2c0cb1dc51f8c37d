// Special-token partition (docs/formats.md §6.2). The LSTRIP/RSTRIP attributes are not modelled:
// llama.cpp sets them only for a few named pre-tokenizers, never for llama-bpe or SPM, and no
// GGUF key carries them.
#include "tokenizer_partition.hpp"

namespace etchsim::model::detail {
namespace {

// Splits each raw fragment at every occurrence of `special`, left to right.
std::vector<Fragment> split_at(const std::vector<Fragment>& fragments, std::string_view special,
                               int32_t token) {
  std::vector<Fragment> out;
  out.reserve(fragments.size());
  for (const Fragment& fragment : fragments) {
    if (fragment.token != kNoToken) {
      out.push_back(fragment);
      continue;
    }
    std::string_view rest = fragment.text;
    for (size_t at = rest.find(special); at != std::string_view::npos; at = rest.find(special)) {
      if (at > 0) out.push_back({kNoToken, rest.substr(0, at)});
      out.push_back({token, {}});
      rest.remove_prefix(at + special.size());
    }
    if (!rest.empty()) out.push_back({kNoToken, rest});
  }
  return out;
}

}  // namespace

std::vector<Fragment> partition_special(const Vocab& vocab, std::string_view text,
                                        bool parse_special) {
  std::vector<Fragment> fragments;
  if (text.empty()) return fragments;
  fragments.push_back({kNoToken, text});
  for (const int32_t id : vocab.special_candidates) {
    if (!parse_special && vocab.types[id] != TokenType::UserDefined) continue;
    fragments = split_at(fragments, vocab.texts[id], id);
  }
  return fragments;
}

}  // namespace etchsim::model::detail
