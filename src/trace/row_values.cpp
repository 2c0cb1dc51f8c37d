#include "etchsim/trace/row_values.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace etchsim::trace {

RowValues::RowValues(const std::vector<RowDecl>& rows, uint64_t per_cycle)
    : m_per_cycle(per_cycle) {
  m_rows.reserve(rows.size());
  m_initial.reserve(rows.size());
  for (const RowDecl& d : rows) {
    if (d.width == 0 || d.width > 64) {
      throw std::invalid_argument(fmt::format("VCD rows: width {} of {}", d.width, d.id));
    }
    Row r;
    r.vector = d.width > 1;
    r.max = d.width == 64 ? kVcdX - 1 : (uint64_t{1} << d.width) - 1;
    const std::string text = (r.vector ? " " : "") + d.id + "\n";
    if (d.id.empty() || text.size() > r.text.size()) {
      throw std::invalid_argument(fmt::format("VCD rows: identifier code '{}'", d.id));
    }
    std::memcpy(r.text.data(), text.data(), text.size());
    r.text_len = static_cast<uint8_t>(text.size());
    r.value = d.initial;
    m_rows.push_back(r);
    m_initial.push_back(d.initial);
  }
}

void RowValues::reset() {
  for (size_t i = 0; i < m_rows.size(); ++i) m_rows[i].value = m_initial[i];
}

void RowValues::set_output(TextBuffer* out, size_t size, uint64_t last_cycle) {
  m_time_end = nullptr;
  m_steps = nullptr;
  if (out->size() < size + kMaxLine) out->resize(size + 64 * kMaxLine);
  m_out = out;
  m_pos = out->data() + size;
  m_limit = out->data() + (out->size() - kMaxLine);
  m_last_time_cycle = last_cycle;
  m_writing = true;
}

size_t RowValues::stop_output() {
  settle_time();
  m_writing = false;
  const auto size = static_cast<size_t>(m_pos - m_out->data());
  m_out = nullptr;
  m_pos = m_limit = nullptr;
  return size;
}

void RowValues::set_record(StepList* steps, TextBuffer* text, uint64_t base) {
  set_output(text, 0, kNoCycle);
  m_steps = steps;
  m_record_base = base;
  m_cycle = base;
  m_step_start = m_pos;
  m_pos += kStepSize;
}

size_t RowValues::stop_record() {
  end_step();
  m_steps = nullptr;
  return stop_output();
}

void RowValues::long_step(size_t size) {
  if (size > UINT32_MAX) throw std::length_error("VCD rows: a step of more than 4 GiB of text");
  const size_t start = static_cast<size_t>(m_step_start - m_out->data());
  if (m_pos > m_limit) grow(kMaxLine);
  m_step_start = m_out->data() + start;
  std::memmove(m_step_start + kStepSize + 4, m_step_start + kStepSize, size);
  const uint16_t escape = 0xffff;
  const auto size32 = static_cast<uint32_t>(size);
  std::memcpy(m_step_start, &escape, kStepSize);
  std::memcpy(m_step_start + kStepSize, &size32, 4);
  m_pos += 4;
}

void RowValues::dump() {
  for (const Row& r : m_rows) {
    if (m_pos > m_limit) grow(kMaxLine);
    m_pos = append_value(m_pos, r, r.value);
  }
}

void RowValues::write_steps(const Step* begin, const Step* end, const char* text, uint64_t base) {
  settle_time();
  // A step's lines are copied 16 bytes at a time, the first 32 whatever its size (most steps are
  // one or two lines, and a copy of fixed size needs no branch on it): kCopy bytes of room beyond
  // them (the recording text has kMaxLine - 72 >= 32 bytes after its last line).
  static constexpr size_t kCopy = 32;
  static constexpr size_t kTimeRoom = 32;
  static_assert(kMaxLine >= 72 + kCopy);
  for (const Step* s = begin; s != end; ++s) {
    const uint64_t cycle = base + s->cycle;
    const char* from = text + s->begin;
    uint16_t size16 = 0;
    std::memcpy(&size16, from, kStepSize);
    from += kStepSize;
    size_t size = size16;
    if (size16 == 0xffff) [[unlikely]] {
      uint32_t size32 = 0;
      std::memcpy(&size32, from, 4);
      from += 4;
      size = size32;
    }
    // Room for a `#time` line (at most 22 bytes, and append_decimal's 8-byte store) and the
    // lines copied kCopy bytes at a time.
    if (m_pos > m_limit || static_cast<size_t>(m_limit - m_pos) < kTimeRoom + size + kCopy)
        [[unlikely]]
      grow(kTimeRoom + size + kCopy + kMaxLine);
    if (cycle != m_last_time_cycle) {
      m_cycle = cycle;
      m_pos = append_time(m_pos);
      m_last_time_cycle = cycle;
    }
    std::memcpy(m_pos, from, 16);
    std::memcpy(m_pos + 16, from + 16, 16);
    if (size > kCopy) [[unlikely]] {
      for (size_t k = kCopy; k < size; k += 16) std::memcpy(m_pos + k, from + k, 16);
    }
    m_pos += size;
  }
}

namespace {

constexpr std::array<char, 200> kPairs = [] {
  std::array<char, 200> t{};
  for (uint32_t i = 0; i < 100; ++i) {
    t[2 * i] = static_cast<char>('0' + i / 10);
    t[2 * i + 1] = static_cast<char>('0' + i % 10);
  }
  return t;
}();

// Two decimal digits of v < 100 as two bytes, the first lowest.
uint64_t pair(uint32_t v) {
  uint16_t two = 0;
  std::memcpy(&two, kPairs.data() + 2 * v, 2);
  return two;
}

}  // namespace

char* append_decimal(char* p, uint64_t v) {
  if (v < 100000000) {
    // Eight digits (leading zeros) in one word, first digit lowest, shifted past the leading
    // zeros and stored at once (built in a register: bytes stored one by one and read back as a
    // word would stall the store-to-load forwarding).
    static_assert(std::endian::native == std::endian::little);
    const auto v32 = static_cast<uint32_t>(v);
    const uint32_t hi = v32 / 10000, lo = v32 % 10000;
    const uint64_t word =
        pair(hi / 100) | pair(hi % 100) << 16 | pair(lo / 100) << 32 | pair(lo % 100) << 48;
    const int n = 1 + (v32 >= 10) + (v32 >= 100) + (v32 >= 1000) + (v32 >= 10000) +
                  (v32 >= 100000) + (v32 >= 1000000) + (v32 >= 10000000);
    const uint64_t digits = word >> (8 * (8 - n));
    std::memcpy(p, &digits, 8);
    return p + n;
  }
  std::array<char, 20> digits{};
  size_t n = 0;
  for (uint64_t rest = v; rest != 0; rest /= 10) digits[n++] = static_cast<char>('0' + rest % 10);
  for (size_t k = 0; k < n; ++k) p[k] = digits[n - 1 - k];
  return p + n;
}

char* RowValues::append_time(char* p) {
  uint64_t time = 0;
  if (__builtin_mul_overflow(m_cycle, m_per_cycle, &time)) {
    throw std::runtime_error(fmt::format(
        "VCD: cycle {} does not fit the timescale ({} units per cycle); use --trace-time cycles",
        m_cycle, m_per_cycle));
  }
  *p++ = '#';
  // The digits above the last four are those of the previous `#time` line more often than not
  // (the writer goes through time in order): kept, and only the last four made anew.
  const uint64_t high = time / 10000;
  if (high == 0) {
    p = append_decimal(p, time);
  } else {
    if (high != m_time_high) {
      m_time_high = high;
      m_time_high_len = static_cast<uint8_t>(append_decimal(m_time_high_text.data(), high) -
                                             m_time_high_text.data());
    }
    std::memcpy(p, m_time_high_text.data(), 16);  // at most 16 digits: time < 2^64
    p += m_time_high_len;
    const auto low = static_cast<uint32_t>(time % 10000);
    const auto four = static_cast<uint32_t>(pair(low / 100) | pair(low % 100) << 16);
    std::memcpy(p, &four, 4);
    p += 4;
  }
  *p++ = '\n';
  m_time_cycle = m_cycle;
  return p;
}

void RowValues::grow(size_t room) {
  char* const old = m_out->data();
  const auto size = static_cast<size_t>(m_pos - old);
  m_out->resize(std::max<size_t>(2 * m_out->size(), size + room + 64 * kMaxLine));
  m_pos = m_out->data() + size;
  if (m_time_end != nullptr) {
    m_time_start = m_out->data() + (m_time_start - old);
    m_time_end = m_out->data() + (m_time_end - old);
  }
  if (m_steps != nullptr) m_step_start = m_out->data() + (m_step_start - old);
  m_limit = m_out->data() + (m_out->size() - kMaxLine);
}

void RowValues::bad_value(uint32_t row, uint64_t value) const {
  throw std::logic_error(
      fmt::format("VCD rows: {} does not fit row {} (at most {})", value, row, m_rows[row].max));
}

void RowValues::key_error(uint64_t cycle) const {
  throw std::logic_error(fmt::format(
      "VCD rows: cycle {} is before the recording's base {} or more than {} cycles after it", cycle,
      m_record_base, kMaxStepCycle));
}

void RowValues::order_error(uint32_t row) const {
  throw std::logic_error(fmt::format(
      "VCD rows: row {} set after row {} in cycle {} (rows must be set in rising order)", row,
      m_next_row - 1, m_cycle));
}

}  // namespace etchsim::trace
