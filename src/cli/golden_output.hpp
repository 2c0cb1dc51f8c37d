// What `etchsim golden` prints on stdout: one JSON object, or readable text.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "etchsim/model/tokenizer.hpp"

namespace etchsim::cli {

struct GoldenResult {
  std::vector<int32_t> tokens;                    // the prompt
  std::vector<std::vector<double>> logprobs;      // per prompt position, when asked for
  std::optional<std::vector<int32_t>> generated;  // when -n was given
};

// {"tokens": [...], "logprobs": [[...], ...], "generated": [...]}, logprobs and generated only
// when present; one line.
void print_golden_json(const GoldenResult& result);

// Prompt tokens, per-position log-probabilities of the next prompt token and the most likely
// token (when logprobs are present), generated tokens, and the text when a tokenizer is given.
void print_golden_text(const GoldenResult& result, const model::Tokenizer* tokenizer);

}  // namespace etchsim::cli
