// Functional runs: the vectors each token in flight carries through the units (its
// golden::TokenState: residual stream, intermediates, logits), in slots named by TokenTag::slot.
// A slot is taken when the host's embedding enters and freed when the token leaves the chip.
#pragma once

#include <cstdint>
#include <vector>

#include "etchsim/golden/layer_datapath.hpp"

namespace etchsim::chip {

class TokenStore {
 public:
  explicit TokenStore(const golden::LayerDatapath* datapath) : m_datapath(datapath) {}

  bool functional() const { return m_datapath != nullptr; }
  const golden::LayerDatapath& datapath() const { return *m_datapath; }

  uint32_t take();
  void release(uint32_t slot);
  golden::TokenState& state(uint32_t slot) { return m_states[slot]; }
  int32_t& token(uint32_t slot) { return m_tokens[slot]; }

 private:
  const golden::LayerDatapath* m_datapath;
  std::vector<golden::TokenState> m_states;
  std::vector<int32_t> m_tokens;  // the LM head's choice
  std::vector<uint32_t> m_free;
};

}  // namespace etchsim::chip
