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
    m_pos = append_value(m_pos, r);
  }
}

char* RowValues::append_time(char* p) {
  uint64_t time = 0;
  if (__builtin_mul_overflow(m_cycle, m_per_cycle, &time)) {
    throw std::runtime_error(fmt::format(
        "VCD: cycle {} does not fit the timescale ({} units per cycle); use --trace-time cycles",
        m_cycle, m_per_cycle));
  }
  // The decimal digits of the last time, right-aligned in m_digits: times mostly rise by a few
  // cycles, so adding the difference digit by digit beats converting the whole number.
  char* const last = m_digits.data() + kTimeDigits;
  if (time >= m_digits_value && time - m_digits_value < 1000000) {
    uint64_t carry = time - m_digits_value;
    char* d = last;
    while (carry != 0) {
      --d;
      const uint64_t sum = static_cast<uint64_t>(*d - '0') + carry % 10;
      carry = carry / 10 + (sum >= 10 ? 1 : 0);
      *d = static_cast<char>('0' + (sum >= 10 ? sum - 10 : sum));
    }
    m_digits_len = std::max(m_digits_len, static_cast<size_t>(last - d));
  } else {
    std::fill(m_digits.data(), last, '0');
    char* d = last;
    for (uint64_t rest = time; rest != 0; rest /= 10) *--d = static_cast<char>('0' + rest % 10);
    m_digits_len = std::max<size_t>(1, static_cast<size_t>(last - d));
  }
  m_digits_value = time;
  *p++ = '#';
  // A fixed-size copy (no library call) from the padded array; only m_digits_len bytes count.
  std::memcpy(p, last - m_digits_len, kTimeDigits);
  p += m_digits_len;
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

void RowValues::order_error(uint32_t row) const {
  throw std::logic_error(fmt::format(
      "VCD rows: row {} set after row {} in cycle {} (rows must be set in rising order)", row,
      m_next_row - 1, m_cycle));
}

}  // namespace etchsim::trace
