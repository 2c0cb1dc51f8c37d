#include "timeline_text.hpp"

#include <fmt/compile.h>
#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace etchsim::sim {
namespace {

constexpr uint64_t kPsPerSecond = 1'000'000'000'000;
// Below 1e9 us (1e15 ps) the double fmt rounds, cycles * (1e6 / clock_hz), is within 2.3e-16 of
// the exact value relatively (two roundings), far less than half its last decimal (5e-7 us): both
// round to the same six decimals, which the exact value has when the period is whole picoseconds.
constexpr uint64_t kExactPs = 1'000'000'000'000'000;

}  // namespace

ChipMicroseconds::ChipMicroseconds(double clock_hz) : m_us_per_cycle(1e6 / clock_hz) {
  if (clock_hz >= 1 && clock_hz <= static_cast<double>(kPsPerSecond) &&
      clock_hz == std::floor(clock_hz)) {
    const auto hz = static_cast<uint64_t>(clock_hz);
    if (kPsPerSecond % hz == 0) {
      m_period_ps = kPsPerSecond / hz;
      m_exact_below = kExactPs / m_period_ps;
    }
  }
}

char* ChipMicroseconds::put_rounded(char* out, uint64_t cycles) const {
  const auto r = fmt::format_to_n(out, kMaxNumberChars, FMT_COMPILE("{:.6f}"),
                                  static_cast<double>(cycles) * m_us_per_cycle);
  // 27 chars at most from a clock of 1 MHz or more (config_keys' lowest).
  if (r.size > static_cast<size_t>(kMaxNumberChars)) {
    throw std::out_of_range(
        fmt::format("timeline: {} cycles at {} Hz: too long a time", cycles, 1e6 / m_us_per_cycle));
  }
  return r.out;
}

}  // namespace etchsim::sim
