// A FIFO of cycles in a ring that grows by doubling and never shrinks: the flow engine's per-stage
// entry cycles and the KV SRAM's rows written ahead of SystemC time. Pushes and pops on the
// per-token path, so no allocation once it has reached its working size (a std::deque allocates
// and frees a block every few hundred entries).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace etchsim::chip {

class CycleFifo {
 public:
  bool empty() const { return m_size == 0; }
  size_t size() const { return m_size; }
  uint64_t front() const { return m_buf[m_head]; }
  void push(uint64_t cycle) {
    if (m_size == m_buf.size()) grow();
    m_buf[(m_head + m_size++) & (m_buf.size() - 1)] = cycle;
  }
  void pop() {
    m_head = (m_head + 1) & (m_buf.size() - 1);
    --m_size;
  }

 private:
  void grow();                  // out of line: rare, and push stays small enough to inline
  std::vector<uint64_t> m_buf;  // a power of two long
  size_t m_head = 0;
  size_t m_size = 0;
};

}  // namespace etchsim::chip
