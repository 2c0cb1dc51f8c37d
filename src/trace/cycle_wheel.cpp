#include "cycle_wheel.hpp"

#include <algorithm>
#include <bit>
#include <stdexcept>

namespace etchsim::trace {

CycleWheel::CycleWheel(uint32_t n_sources)
    : m_slots(kSlots), m_link(n_sources, kNone), m_bits(kSlots / 64, 0), m_cycle(n_sources, 0) {}

void CycleWheel::reset(uint64_t from, uint64_t to) {
  for (uint64_t w = 0; w < m_bits.size(); ++w) {
    for (uint64_t bits = m_bits[w]; bits != 0; bits &= bits - 1) {
      const uint64_t slot = w * 64 + static_cast<uint64_t>(std::countr_zero(bits));
      m_slots[slot] = Slot{};
    }
    m_bits[w] = 0;
  }
  m_later.clear();
  m_later_min = UINT64_MAX;
  m_base = from & ~(kSlots - 1);
  m_to = to;
  m_word = (from - m_base) / 64;
}

void CycleWheel::put(uint32_t source, uint64_t slot) {
  m_link[source] = kNone;
  Slot& s = m_slots[slot];
  if (s.head == kNone) {
    s.head = source;
    m_bits[slot / 64] |= uint64_t{1} << (slot % 64);
  } else {
    m_link[s.tail] = source;
  }
  s.tail = source;
}

void CycleWheel::add(uint32_t source, uint64_t cycle) {
  if (cycle >= m_to) return;
  if (cycle < m_base + m_word * 64) throw std::logic_error("CycleWheel: a source due in the past");
  m_cycle[source] = cycle;
  if (cycle - m_base < kSlots) {
    put(source, cycle - m_base);
  } else {
    m_later.push_back(source);
    m_later_min = std::min(m_later_min, cycle);
  }
}

bool CycleWheel::advance() {
  if (m_later.empty()) return false;
  m_base = std::max(m_base + kSlots, m_later_min & ~(kSlots - 1));
  m_word = 0;
  m_later_min = UINT64_MAX;
  size_t kept = 0;
  // In the order they were set aside: a slot's list stays in scheduling order.
  for (const uint32_t s : m_later) {
    if (m_cycle[s] - m_base < kSlots) {
      put(s, m_cycle[s] - m_base);
    } else {
      m_later[kept++] = s;
      m_later_min = std::min(m_later_min, m_cycle[s]);
    }
  }
  m_later.resize(kept);
  return true;
}

bool CycleWheel::pop(uint64_t& cycle, std::vector<uint32_t>& due) {
  while (true) {
    for (; m_word < m_bits.size(); ++m_word) {
      const uint64_t bits = m_bits[m_word];
      if (bits == 0) continue;
      const uint64_t slot = m_word * 64 + static_cast<uint64_t>(std::countr_zero(bits));
      m_bits[m_word] = bits & (bits - 1);
      due.clear();
      for (uint32_t s = m_slots[slot].head; s != kNone; s = m_link[s]) due.push_back(s);
      m_slots[slot] = Slot{};
      // Sources join a slot in the order they were scheduled, mostly rising already.
      if (!std::is_sorted(due.begin(), due.end())) std::sort(due.begin(), due.end());
      cycle = m_base + slot;
      return true;
    }
    if (!advance()) return false;
  }
}

}  // namespace etchsim::trace
