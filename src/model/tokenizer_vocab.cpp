// Vocabulary loading from the tokenizer.ggml.* keys (docs/formats.md §6.1, types §1.2).
#include "tokenizer_vocab.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace etchsim::model::detail {
namespace {

constexpr std::string_view kPrefix = "tokenizer.ggml.";

std::string key(std::string_view name) { return std::string(kPrefix) + std::string(name); }

// Pre-tokenizer names that select LLAMA3 (§6.1).
constexpr std::array<std::string_view, 3> kLlama3PreNames = {"llama-bpe", "llama3", "llama-v3"};

VocabType vocab_type(const gguf::GgufFile& file) {
  const std::string& model = file.get_string(key("model"));
  if (model == "llama") return VocabType::Spm;
  if (model == "gpt2") {
    // A missing pre is "default" in llama.cpp, which is not the Llama 3 splitter.
    const std::string pre = file.has(key("pre")) ? file.get_string(key("pre")) : "default";
    if (std::find(kLlama3PreNames.begin(), kLlama3PreNames.end(), pre) == kLlama3PreNames.end()) {
      throw std::runtime_error(fmt::format(
          "{}: BPE pre-tokenizer '{}' is not supported (only llama-bpe/llama3/llama-v3)",
          file.name(), pre));
    }
    return VocabType::Bpe;
  }
  throw std::runtime_error(fmt::format(
      "{}: tokenizer model '{}' is not supported (only gpt2 and llama)", file.name(), model));
}

// Defaults per type, then the add_* keys override them (§6.1).
void read_flags(const gguf::GgufFile& file, Vocab& vocab) {
  if (vocab.type == VocabType::Spm) {
    vocab.bos = 1;
    vocab.eos = 2;
    vocab.unk = 0;
    vocab.add_bos = true;
    vocab.add_space_prefix = true;
  } else {
    vocab.add_bos = true;  // LLAMA3 pre-tokenizer
    vocab.ignore_merges = true;
    // Not in docs/formats.md: llama.cpp's detokenizer cleans spaces for this BPE vocabulary
    // and not for SPM (observed with node-llama-cpp 3.21.1, tests/reference/tokenize.mjs).
    vocab.clean_spaces = true;
  }
  auto read_bool = [&](std::string_view name, bool& flag) {
    if (file.has(key(name))) flag = file.get_bool(key(name));
  };
  read_bool("add_bos_token", vocab.add_bos);
  read_bool("add_eos_token", vocab.add_eos);
  read_bool("add_space_prefix", vocab.add_space_prefix);
}

// Special ids are u32; out-of-range values are ignored (§6.1).
void read_special_ids(const gguf::GgufFile& file, Vocab& vocab) {
  auto read_id = [&](std::string_view name, int32_t& id) {
    if (!file.has(key(name))) return;
    const uint32_t value = file.get_u32(key(name));
    if (value < static_cast<uint32_t>(vocab.n_tokens())) id = static_cast<int32_t>(value);
  };
  read_id("bos_token_id", vocab.bos);
  read_id("eos_token_id", vocab.eos);
  read_id("eot_token_id", vocab.eot);
  read_id("eom_token_id", vocab.eom);
  read_id("unknown_token_id", vocab.unk);
  for (int32_t* id : {&vocab.bos, &vocab.eos, &vocab.unk}) {
    if (!vocab.valid(*id)) *id = kNoToken;  // a default beyond a tiny vocabulary
  }
  // "<|eot_id|>" and "<|eom_id|>" are well-known end-of-turn texts, always CONTROL (§6.1).
  if (vocab.eot == kNoToken) vocab.eot = vocab.find("<|eot_id|>");
  if (vocab.eom == kNoToken) vocab.eom = vocab.find("<|eom_id|>");
  for (const int32_t id : {vocab.eot, vocab.eom}) {
    if (id != kNoToken) vocab.types[id] = TokenType::Control;
  }
}

void read_tokens(const gguf::GgufFile& file, Vocab& vocab) {
  const gguf::Array& tokens = file.get_array(key("tokens"));
  if (tokens.elem_type != gguf::ValueType::STRING)
    throw std::runtime_error(
        fmt::format("{}: {} is not a string array", file.name(), key("tokens")));
  const size_t n = tokens.elems.size();
  vocab.texts.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const auto& text = std::get<std::string>(tokens.elems[i].data);
    vocab.texts.push_back(text.empty() ? fmt::format("[EMPTY_{}]", i) : text);
  }
  vocab.scores.assign(n, 0.0f);
  if (file.has(key("scores"))) {
    const gguf::Array& scores = file.get_array(key("scores"));
    if (scores.elems.size() < n)
      throw std::runtime_error(fmt::format("{}: fewer scores than tokens", file.name()));
    for (size_t i = 0; i < n; ++i) {
      const auto& value = scores.elems[i].data;
      if (const auto* f = std::get_if<float>(&value)) {
        vocab.scores[i] = *f;
      } else if (const auto* k = std::get_if<int32_t>(&value)) {
        vocab.scores[i] = static_cast<float>(*k);
      } else {
        throw std::runtime_error(fmt::format("{}: scores must be f32 or i32", file.name()));
      }
    }
  }
  vocab.types.assign(n, TokenType::Normal);
  if (file.has(key("token_type"))) {
    const gguf::Array& types = file.get_array(key("token_type"));
    if (types.elem_type != gguf::ValueType::INT32 || types.elems.size() < n)
      throw std::runtime_error(fmt::format("{}: token_type must be i32[n_tokens]", file.name()));
    for (size_t i = 0; i < n; ++i)
      vocab.types[i] = static_cast<TokenType>(std::get<int32_t>(types.elems[i].data));
  }
  vocab.ids.reserve(n);
  for (size_t i = 0; i < n; ++i) vocab.ids.emplace(vocab.texts[i], static_cast<int32_t>(i));
}

// Merges are "A B", split at the first space at position >= 1; rank = array index (§6.1). The
// map is keyed by the string itself: byte-level BPE texts never hold a literal space, so
// left + " " + right rebuilds exactly the merge string.
void read_merges(const gguf::GgufFile& file, Vocab& vocab) {
  const gguf::Array& merges = file.get_array(key("merges"));
  if (merges.elem_type != gguf::ValueType::STRING)
    throw std::runtime_error(
        fmt::format("{}: {} is not a string array", file.name(), key("merges")));
  vocab.merge_ranks.reserve(merges.elems.size());
  for (size_t i = 0; i < merges.elems.size(); ++i) {
    const auto& merge = std::get<std::string>(merges.elems[i].data);
    if (merge.find(' ', 1) == std::string::npos)
      throw std::runtime_error(
          fmt::format("{}: merge {} '{}' has no space", file.name(), i, merge));
    vocab.merge_ranks.emplace(merge, static_cast<int32_t>(i));
  }
}

// §6.2: CONTROL, USER_DEFINED and UNKNOWN tokens by text length, longest first. Ties go by id
// (llama.cpp's unstable sort leaves their order unspecified).
void collect_special_candidates(Vocab& vocab) {
  for (int32_t id = 0; id < vocab.n_tokens(); ++id) {
    const TokenType type = vocab.types[id];
    if (type == TokenType::Control || type == TokenType::UserDefined || type == TokenType::Unknown)
      vocab.special_candidates.push_back(id);
  }
  std::stable_sort(
      vocab.special_candidates.begin(), vocab.special_candidates.end(),
      [&](int32_t a, int32_t b) { return vocab.texts[a].size() > vocab.texts[b].size(); });
}

}  // namespace

int32_t Vocab::merge_rank(std::string_view left, std::string_view right) const {
  std::string merge;
  merge.reserve(left.size() + 1 + right.size());
  merge.append(left).append(" ").append(right);
  const auto it = merge_ranks.find(merge);
  return it == merge_ranks.end() ? -1 : it->second;
}

Vocab load_vocab(const gguf::GgufFile& file) {
  Vocab vocab;
  vocab.type = vocab_type(file);
  read_tokens(file, vocab);
  read_flags(file, vocab);
  read_special_ids(file, vocab);
  if (vocab.type == VocabType::Bpe) read_merges(file, vocab);
  collect_special_candidates(vocab);
  return vocab;
}

}  // namespace etchsim::model::detail
