#include "etchsim/trace/row_values.hpp"

#include <fmt/format.h>

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
  *p++ = '#';
  // Decimal digits written from the last one back, two at a time (no library call: a traced
  // flagship writes ~1.4 M times).
  static constexpr char kPairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  static constexpr std::array<uint64_t, 20> kPow10 = [] {
    std::array<uint64_t, 20> t{};
    t[0] = 1;
    for (size_t i = 1; i < t.size(); ++i) t[i] = 10 * t[i - 1];
    return t;
  }();
  // Digits: log10 from the bit width (1233 / 4096 ~ log10(2)), corrected by one compare.
  const auto bits = static_cast<size_t>(64 - std::countl_zero(time | 1));
  size_t n = (bits * 1233) >> 12;
  n += (time | 1) >= kPow10[n];
  char* d = p + n;
  while (time >= 100) {
    d -= 2;
    std::memcpy(d, kPairs + 2 * (time % 100), 2);
    time /= 100;
  }
  if (time >= 10) {
    std::memcpy(d - 2, kPairs + 2 * time, 2);
  } else {
    d[-1] = static_cast<char>('0' + time);
  }
  p += n;
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
