// Internal to trace/: which row sources are due next, in time order, while a piece of the VCD is
// written. A calendar of the next kSlots cycles (a list of sources per cycle and a bitmap of the
// busy ones) with the sources due later set aside until the calendar reaches them: scheduling a
// source and finding the next busy cycle cost a few instructions, where a heap over hundreds of
// sources would cost a dozen compares per change.
#pragma once

#include <cstdint>
#include <vector>

namespace etchsim::trace {

class CycleWheel {
 public:
  explicit CycleWheel(uint32_t n_sources);
  // Empty, taking only cycles in [from, to).
  void reset(uint64_t from, uint64_t to);
  // Source `source` is due at `cycle` (at or after the last cycle popped; ignored at or after
  // `to`). A source is scheduled at most once at a time.
  void add(uint32_t source, uint64_t cycle);
  // The earliest cycle any source is due and those sources in rising order (taken off the wheel);
  // false when none is left.
  bool pop(uint64_t& cycle, std::vector<uint32_t>& due);

 private:
  static constexpr uint64_t kSlots = uint64_t{1} << 14;
  static constexpr uint32_t kNone = UINT32_MAX;
  void put(uint32_t source, uint64_t slot);
  bool advance();  // moves the calendar to the next window holding a source; false if none

  uint64_t m_base = 0;  // the calendar covers [m_base, m_base + kSlots), m_base a multiple of it
  uint64_t m_to = 0;
  uint64_t m_word = 0;  // bitmap words below this one are empty
  struct Slot {
    uint32_t head = kNone;  // the sources due at the slot's cycle: a list through m_link
    uint32_t tail = kNone;
  };
  std::vector<Slot> m_slots;  // head and tail side by side: one cache line per slot touched
  std::vector<uint32_t> m_link;
  std::vector<uint64_t> m_bits;
  std::vector<uint64_t> m_cycle;  // per source: the cycle it is due
  std::vector<uint32_t> m_later;  // sources due after the calendar
  uint64_t m_later_min = UINT64_MAX;
};

}  // namespace etchsim::trace
