// The text a perplexity is measured on, read as llama-perplexity's -f reads it (used by
// `etchsim perplexity` and by `etchsim sweep --text`).
#pragma once

#include <string>

namespace etchsim::cli {

// The file's bytes less one trailing newline. Throws std::invalid_argument naming the file when
// it cannot be read or is empty.
std::string read_eval_text(const std::string& path);

}  // namespace etchsim::cli
