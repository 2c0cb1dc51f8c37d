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
  while ((uint64_t{1} << m_row_bits) < rows.size()) ++m_row_bits;
}

void RowValues::reset() {
  for (size_t i = 0; i < m_rows.size(); ++i) m_rows[i].value = m_initial[i];
}

void RowValues::set_output(std::vector<char>* out, size_t size, uint64_t last_cycle) {
  m_time_end = nullptr;
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

void RowValues::dump() {
  for (const Row& r : m_rows) {
    if (m_pos > m_limit) grow();
    m_pos = append_value(m_pos, r, r.value);
  }
}

void RowValues::write_records(const Change* begin, const Change* end) {
  const uint64_t row_mask = (uint64_t{1} << m_row_bits) - 1;
  uint64_t cycle_key = UINT64_MAX;
  for (const Change* c = begin; c != end; ++c) {
    if ((c->key & ~row_mask) != cycle_key) {
      cycle_key = c->key & ~row_mask;
      begin_cycle(m_record_base + (cycle_key >> m_row_bits));
    }
    const auto row = static_cast<uint32_t>(c->key & row_mask);
    if (row < m_next_row) [[unlikely]]
      order_error(row);
    m_next_row = row + 1;
    if (m_pos > m_limit) [[unlikely]]
      grow();
    m_pos = append_value(m_pos, m_rows[row], c->value);
  }
}

char* RowValues::append_time(char* p) {
  uint64_t time = 0;
  if (__builtin_mul_overflow(m_cycle, m_per_cycle, &time)) {
    throw std::runtime_error(fmt::format(
        "VCD: cycle {} does not fit the timescale ({} units per cycle); use --trace-time cycles",
        m_cycle, m_per_cycle));
  }
  // The last time's decimal digits are kept right-aligned in m_digits: times mostly rise by a few
  // cycles, so the new digits are the old ones plus the difference, added digit by digit. Digits
  // are stored byte by byte into the output and into m_digits alike, never read back wide from
  // just-written bytes (a store-forwarding stall).
  *p++ = '#';
  char* const last = m_digits.data() + kTimeDigits;
  size_t len = m_digits_len;
  uint64_t carry =
      time >= m_digits_value && time - m_digits_value < 1000000 ? time - m_digits_value : kNoCycle;
  if (carry != kNoCycle) {
    std::memcpy(p, last - len, kTimeDigits);  // fixed size: no library call; len bytes count
    for (size_t k = len; carry != 0 && k > 0;) {
      --k;
      const uint64_t sum = static_cast<uint64_t>(p[k] - '0') + carry % 10;
      carry = carry / 10 + (sum >= 10 ? 1 : 0);
      const auto digit = static_cast<char>('0' + (sum >= 10 ? sum - 10 : sum));
      p[k] = digit;
      last[static_cast<ptrdiff_t>(k) - static_cast<ptrdiff_t>(len)] = digit;
    }
  }
  if (carry != 0) {  // a jump, or one more digit: all digits anew
    len = 1;
    for (uint64_t rest = time; rest >= 10; rest /= 10) ++len;
    uint64_t rest = time;
    for (size_t k = len; k > 0;) {
      --k;
      const auto digit = static_cast<char>('0' + rest % 10);
      rest /= 10;
      p[k] = digit;
      last[static_cast<ptrdiff_t>(k) - static_cast<ptrdiff_t>(len)] = digit;
    }
  }
  m_digits_len = len;
  m_digits_value = time;
  p += len;
  *p++ = '\n';
  m_time_cycle = m_cycle;
  return p;
}

void RowValues::grow() {
  char* const old = m_out->data();
  const auto size = static_cast<size_t>(m_pos - old);
  m_out->resize(std::max<size_t>(2 * m_out->size(), size + 64 * kMaxLine));
  m_pos = m_out->data() + size;
  if (m_time_end != nullptr) {
    m_time_start = m_out->data() + (m_time_start - old);
    m_time_end = m_out->data() + (m_time_end - old);
  }
  m_limit = m_out->data() + (m_out->size() - kMaxLine);
}

void RowValues::bad_value(uint32_t row, uint64_t value) const {
  throw std::logic_error(
      fmt::format("VCD rows: {} does not fit row {} (at most {})", value, row, m_rows[row].max));
}

void RowValues::key_error(uint64_t cycle) const {
  throw std::logic_error(
      fmt::format("VCD rows: cycle {} is before the recording's base {} or too far after it", cycle,
                  m_record_base));
}

void RowValues::order_error(uint32_t row) const {
  throw std::logic_error(fmt::format(
      "VCD rows: row {} set after row {} in cycle {} (rows must be set in rising order)", row,
      m_next_row - 1, m_cycle));
}

}  // namespace etchsim::trace
