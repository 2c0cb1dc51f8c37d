// Internal to synth_vocab_*: a small English text to learn plausible merges from, and an ASCII
// pre-splitter shaped like Llama 3's pre-tokenizer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace etchsim::model::detail {

// A few paragraphs of plain English with digits and punctuation (ASCII only).
std::string_view synth_corpus();

// Splits ASCII text roughly as the llama-bpe regex does (docs/formats.md §6.3): contractions,
// letter runs with one optional leading non-letter, digit runs of at most 3, punctuation runs
// with an optional leading space, newline runs and other whitespace.
std::vector<std::string> pre_split_llama3(std::string_view text);

}  // namespace etchsim::model::detail
