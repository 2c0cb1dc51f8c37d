// Prompt input shared by the commands that take a model: token id lists and the model's
// tokenizer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "etchsim/gguf/reader.hpp"
#include "etchsim/model/tokenizer.hpp"

namespace etchsim::cli {

// "1,2,3" -> {1, 2, 3}. Throws std::invalid_argument naming the bad item.
std::vector<int32_t> parse_token_list(const std::string& text);

// The tokenizer is needed for --prompt; otherwise it only adds text and end-of-generation, and a
// model without tokenizer metadata still runs: without `required`, a missing or bad tokenizer is
// a warning and nullptr.
std::unique_ptr<model::Tokenizer> load_tokenizer(const gguf::GgufFile& file, bool required);

}  // namespace etchsim::cli
