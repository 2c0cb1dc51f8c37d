#include "etchsim/chip/cycle_fifo.hpp"

namespace etchsim::chip {

void CycleFifo::grow() {
  std::vector<uint64_t> bigger(m_buf.empty() ? 16 : 2 * m_buf.size());
  for (size_t i = 0; i < m_size; ++i) bigger[i] = m_buf[(m_head + i) & (m_buf.size() - 1)];
  m_buf = std::move(bigger);
  m_head = 0;
}

}  // namespace etchsim::chip
