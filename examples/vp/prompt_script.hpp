// The prompt script the example's CPU runs: one request, as lines of `KEYWORD ARGUMENT`.
//   prompt TEXT      the prompt, tokenized with the model's tokenizer (BOS first)
//   tokens 1,2,3     the prompt as token ids instead
//   generate N       tokens to generate after the prompt (0 to 65536)
// Blank lines and lines starting with # are ignored. Exactly one of prompt / tokens, and one
// generate. Errors name the file and line.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace vp {

struct PromptScript {
  std::optional<std::string> prompt_text;
  std::vector<int32_t> prompt_ids;  // when prompt_text is empty
  uint32_t n_generate = 0;
};

// Throws std::invalid_argument with the file, the line and the reason.
PromptScript load_prompt_script(const std::filesystem::path& path);

}  // namespace vp
