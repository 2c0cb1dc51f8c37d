// A pipeline register between two units (docs/design.md "timing contract"): one token slot with
// valid/ready. The producer writes it at cycle c; the consumer may take it from cycle c + 1
// (`ready_at`), so every register costs one cycle. A taken register can be refilled in the same
// cycle because units are evaluated from the last to the first (pipeline.hpp).
#pragma once

#include <cstdint>

namespace etchsim::chip {

// What travels with a token: its sequence (user), position, the payload slot holding its
// vectors in functional runs, and whether the LM head must pick a token for it (the last prompt
// token and every fed-back token; earlier prompt tokens only fill the KV cache).
struct TokenTag {
  uint32_t seq = 0;
  uint32_t pos = 0;
  uint32_t slot = 0;
  bool emit = false;
};

struct PipelineRegister {
  bool valid = false;
  uint64_t ready_at = 0;  // first cycle the consumer may take the token
  uint64_t taken_at = 0;  // the cycle the consumer last took a token (emptied the register)
  TokenTag tag;
};

}  // namespace etchsim::chip
