// The values of a VCD's rows as the writer goes through time, and the text of their changes.
// Row sources (row_source.hpp) set values here; a value equal to the row's current one writes
// nothing, any other writes one VCD value-change line, preceded by the `#time` line when it is
// the first change of its cycle. Inline: a traced flagship run sets ~25 M values.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <memory_resource>
#include <new>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "etchsim/trace/huge_page_arena.hpp"

namespace etchsim::trace {

inline constexpr uint64_t kVcdX = UINT64_MAX;  // the unknown value: 'x' (a 64-bit var cannot
                                               // hold all ones)
inline constexpr uint64_t kNoCycle = UINT64_MAX;

// Constructs elements without a value: a buffer's new room is left as the allocator gave it. With
// a memory resource (the writer's buffers share one huge-page arena) it allocates from it; without,
// blocks of kHugeBlock bytes or more come from huge pages of their own (huge_page_arena.hpp: each
// 4 KiB page of a buffer would fault on first touch) and smaller ones from std::allocator.
template <typename T>
struct DefaultInitAllocator : std::allocator<T> {
  static constexpr size_t kHugeBlock = size_t{512} << 10;
  static constexpr size_t kAlign = alignof(T) > 64 ? alignof(T) : 64;  // a cache line
  template <typename U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  // Buffers handed between threads and swapped keep the memory they came from.
  using propagate_on_container_copy_assignment = std::true_type;
  using propagate_on_container_move_assignment = std::true_type;
  using propagate_on_container_swap = std::true_type;
  using is_always_equal = std::false_type;

  DefaultInitAllocator() = default;
  explicit DefaultInitAllocator(std::pmr::memory_resource* resource) : m_resource(resource) {}
  template <typename U>
  explicit DefaultInitAllocator(const DefaultInitAllocator<U>& other)
      : m_resource(other.resource()) {}
  std::pmr::memory_resource* resource() const { return m_resource; }

  T* allocate(size_t n) {
    if (n > SIZE_MAX / sizeof(T)) throw std::bad_array_new_length();
    if (m_resource != nullptr) return static_cast<T*>(m_resource->allocate(n * sizeof(T), kAlign));
    if (n >= kHugeBlock / sizeof(T)) return static_cast<T*>(huge_page_allocate(n * sizeof(T)));
    return std::allocator<T>::allocate(n);
  }
  void deallocate(T* p, size_t n) noexcept {
    if (m_resource != nullptr) {
      m_resource->deallocate(p, n * sizeof(T), kAlign);
    } else if (n >= kHugeBlock / sizeof(T)) {
      huge_page_deallocate(p, n * sizeof(T));
    } else {
      std::allocator<T>::deallocate(p, n);
    }
  }
  template <typename U>
  void construct(U* p) {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
  template <typename U>
  bool operator==(const DefaultInitAllocator<U>& other) const {
    return m_resource == other.resource();
  }

 private:
  std::pmr::memory_resource* m_resource = nullptr;
};
// The writer's text: resizing it to make room writes nothing (a std::vector<char> would zero the
// room, touching pages, each a page fault, that may never be written).
using TextBuffer = std::vector<char, DefaultInitAllocator<char>>;

// One row as the VCD declares it: identifier code, width in bits (1..64), value at time 0.
// Writes v's decimal digits at p and returns their end; may scribble on the 8 bytes from p
// (room for 20 digits and 8 bytes is needed). Eight digits or fewer without a loop.
char* append_decimal(char* p, uint64_t v);

struct RowDecl {
  std::string id;
  uint32_t width = 1;
  uint64_t initial = kVcdX;
};

class RowValues {
 public:
  // Every row at its initial value, writing nothing until set_output(). `per_cycle`: VCD time
  // units per cycle. Throws std::invalid_argument for an identifier code longer than 5 bytes.
  RowValues(const std::vector<RowDecl>& rows, uint64_t per_cycle);

  // `row` has `value` from the current cycle on. Rows must be set in rising order within a cycle
  // (std::logic_error otherwise: the text would depend on who sets first); a value wider than
  // the row is a std::logic_error.
  void set(uint32_t row, uint64_t value) {
    Row& r = m_rows[row];
    if (value > r.max && value != kVcdX) [[unlikely]]
      bad_value(row, value);
    if (!m_writing) {
      r.value = value;
      return;
    }
    // The line is formatted whether or not the value changed and kept only if it did: no branch
    // on the change, which the sources' steps make hard to predict.
    const bool changed = r.value != value;
    if ((static_cast<unsigned>(changed) & static_cast<unsigned>(row < m_next_row)) != 0)
        [[unlikely]]
      order_error(row);
    m_next_row = changed ? row + 1 : m_next_row;
    r.value = value;
    if (m_pos > m_limit) [[unlikely]]
      grow(kMaxLine);
    char* const end = append_value(m_pos, r, value);
    m_pos = changed ? end : m_pos;
  }
  uint64_t value(uint32_t row) const { return m_rows[row].value; }

  // Every row back to its initial value (without writing anything).
  void reset();
  // Changes from now on are appended to `out` (its bytes [0, size) are kept); `last_cycle`: the
  // last cycle whose `#time` line the text already holds (kNoCycle: none).
  void set_output(TextBuffer* out, size_t size, uint64_t last_cycle);
  // Stop writing (changes still update the values); returns the text's size.
  size_t stop_output();
  // The cycle that the following set() calls belong to (rising). Writing, its `#time` line is
  // written now and taken back if no change follows (a change then needs no check of the time);
  // recording, it begins a new step (see set_record).
  void begin_cycle(uint64_t cycle) {
    if (m_steps != nullptr) {
      begin_step(cycle);
      return;
    }
    m_cycle = cycle;
    m_next_row = 0;
    if (!m_writing) return;
    settle_time();
    if (cycle == m_last_time_cycle) return;  // the header's #0
    if (m_pos > m_limit) [[unlikely]]
      grow(kMaxLine);
    m_time_start = m_pos;
    m_pos = append_time(m_pos);
    m_time_end = m_pos;
  }
  // Writes every row's current value, as $dumpvars lists them (no `#time` line).
  void dump();

  // The changes of one step (the set() calls after one begin_cycle()) kept instead of written:
  // the step's cycle less the recording's base cycle, and where its lines lie in the recording's
  // text (after their size: 2 bytes, or 0xffff and 4 bytes). Steps with no change are not kept.
  // 8 bytes: the writer sorts them.
  struct Step {
    uint32_t cycle;
    uint32_t begin;
  };
  using StepList = std::vector<Step, DefaultInitAllocator<Step>>;
  static constexpr uint64_t kMaxStepCycle = UINT32_MAX;  // the most cycles after the base
  // From now on each begun cycle is a step: its changes' lines (without `#time` lines) are
  // appended to `text` (from its start) and the step to `steps`, with cycles relative to `base`
  // (a cycle before it or more than kMaxStepCycle after it is a std::logic_error). Ends any
  // output.
  void set_record(StepList* steps, TextBuffer* text, uint64_t base);
  // Stops recording (changes still update the values); returns the text's size.
  size_t stop_record();
  // Writes recorded steps (sorted by cycle; a cycle's steps in row order) with their `#time`
  // lines to the output set, from `text` as recorded with base `base`. The rows' values are
  // untouched.
  void write_steps(const Step* begin, const Step* end, const char* text, uint64_t base);
  // The last cycle a `#time` line was written for, kNoCycle if none.
  uint64_t last_time_cycle() const { return m_last_time_cycle; }

  // A `#time` line and a 64-bit change (72 bytes), and room for write_steps' copies past them.
  static constexpr size_t kMaxLine = 104;

 private:
  struct Row {
    uint64_t value = kVcdX;
    uint64_t max = 0;            // the largest value the row's width holds
    std::array<char, 8> text{};  // " <id>\n" after a vector's bits, "<id>\n" after a bit
    uint8_t text_len = 0;
    bool vector = false;
  };
  // The binary digits of every byte value, most significant first; a spare entry lets the
  // leading digits be copied as 8 bytes.
  static constexpr std::array<char, 8 * 257> kBits = [] {
    std::array<char, 8 * 257> t{};
    for (uint32_t x = 0; x < 256; ++x)
      for (uint32_t i = 0; i < 8; ++i) t[8 * x + i] = static_cast<char>('0' + ((x >> (7 - i)) & 1));
    return t;
  }();
  static constexpr std::array<char, 8> kX = {'x'};

  static constexpr size_t kStepSize = 2;  // the bytes of a step's size before its lines
  void begin_step(uint64_t cycle) {
    if (cycle < m_record_base || cycle - m_record_base > kMaxStepCycle) [[unlikely]]
      key_error(cycle);
    end_step();
    m_cycle = cycle;
    m_next_row = 0;
    m_step_start = m_pos;
    m_pos += kStepSize;  // room: set() and begin_step() leave m_pos at most m_limit + 72
  }
  // Keeps the current step if it has lines, else takes back its size's room.
  void end_step() {
    const auto size = static_cast<size_t>(m_pos - m_step_start) - kStepSize;
    if (size == 0) {
      m_pos = m_step_start;
      return;
    }
    if (size >= 0xffff) [[unlikely]] {
      long_step(size);
    } else {
      const auto size16 = static_cast<uint16_t>(size);
      std::memcpy(m_step_start, &size16, kStepSize);
    }
    m_steps->push_back({static_cast<uint32_t>(m_cycle - m_record_base),
                        static_cast<uint32_t>(m_step_start - m_out->data())});
  }
  void long_step(size_t size);  // 0xffff and 4 bytes of size before the lines
  // The pending `#time` line: kept if a change follows it, else taken back.
  void settle_time() {
    if (m_time_end == nullptr) return;
    if (m_pos == m_time_end) {
      m_pos = m_time_start;
    } else {
      m_last_time_cycle = m_time_cycle;
    }
    m_time_end = nullptr;
  }
  // "<value> <id>\n" (a vector: "b<bits> <id>\n"); needs kMaxLine bytes of room.
  static char* append_value(char* p, const Row& r, uint64_t v) {
    // Without a branch on the value: x and 0 take the leading-digits path too.
    const bool x = v == kVcdX;
    if (!r.vector) {
      *p = x ? 'x' : static_cast<char>('0' + (v & 1));
      std::memcpy(p + 1, r.text.data(), 8);
      return p + 1 + r.text_len;
    }
    *p = 'b';
    const uint64_t w = x ? 0 : v;
    const int n = 64 - std::countl_zero(w | 1);  // binary digits, at least one
    int byte = (n - 1) >> 3;                     // bytes below the leading one
    const int lead = n - 8 * byte;               // 1..8 digits from the leading byte
    const char* leading =
        x ? kX.data() : kBits.data() + 8 * ((w >> (8 * byte)) & 0xff) + (8 - lead);
    std::memcpy(p + 1, leading, 8);
    p += 1 + lead;
    while (byte-- > 0) {
      std::memcpy(p, kBits.data() + 8 * ((w >> (8 * byte)) & 0xff), 8);
      p += 8;
    }
    std::memcpy(p, r.text.data(), 8);
    return p + r.text_len;
  }
  char* append_time(char* p);  // "#<time>\n" for m_cycle
  void grow(size_t room);      // at least `room` bytes past m_pos
  [[noreturn]] void bad_value(uint32_t row, uint64_t value) const;
  [[noreturn]] void order_error(uint32_t row) const;
  [[noreturn]] void key_error(uint64_t cycle) const;

  std::vector<Row> m_rows;
  std::vector<uint64_t> m_initial;
  uint64_t m_per_cycle = 1;
  TextBuffer* m_out = nullptr;
  char* m_pos = nullptr;         // the end of the text in *m_out
  char* m_limit = nullptr;       // room for a line up to here: m_out's end - kMaxLine
  char* m_time_start = nullptr;  // the pending `#time` line (m_time_end nullptr: none)
  char* m_time_end = nullptr;
  uint64_t m_time_cycle = 0;
  // The last `#time` line's time / 10^4 and its digits (append_time).
  uint64_t m_time_high = 0;
  std::array<char, 24> m_time_high_text{};
  uint8_t m_time_high_len = 0;
  bool m_writing = false;
  uint64_t m_cycle = 0;
  uint64_t m_last_time_cycle = kNoCycle;
  uint32_t m_next_row = 0;      // set() below this row in the current cycle is out of order
  StepList* m_steps = nullptr;  // recording
  uint64_t m_record_base = 0;
  char* m_step_start = nullptr;  // the current step's first line
};

}  // namespace etchsim::trace
