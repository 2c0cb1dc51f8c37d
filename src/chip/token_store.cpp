#include "etchsim/chip/token_store.hpp"

namespace etchsim::chip {

uint32_t TokenStore::take() {
  if (!m_free.empty()) {
    const uint32_t slot = m_free.back();
    m_free.pop_back();
    m_tokens[slot] = -1;
    return slot;
  }
  m_tokens.push_back(-1);
  if (m_datapath != nullptr) m_states.push_back(m_datapath->make_state());
  return static_cast<uint32_t>(m_tokens.size() - 1);
}

void TokenStore::release(uint32_t slot) { m_free.push_back(slot); }

}  // namespace etchsim::chip
