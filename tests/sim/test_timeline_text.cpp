// The timeline's numbers written by hand (src/sim/timeline_text.hpp) against fmt, which wrote them
// before: integers as "{}", times as "{:.6f}" of cycles * (1e6 / clock_hz), for clocks whose period
// is whole picoseconds (computed exactly) and others (through fmt), up to and past the largest
// time computed exactly.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "../../src/sim/timeline_text.hpp"

namespace etchsim::sim {
namespace {

std::string decimal(uint64_t v) {
  char out[kMaxNumberChars];
  return {out, put_decimal(out, v)};
}

std::string micros(const ChipMicroseconds& us, uint64_t cycles) {
  char out[kMaxNumberChars];
  return {out, us.put(out, cycles)};
}

TEST(TimelineText, DecimalsAreFmts) {
  std::vector<uint64_t> values = {0, UINT64_MAX, UINT64_MAX - 1};
  for (uint64_t p = 1; p <= UINT64_MAX / 10; p *= 10) {
    values.insert(values.end(), {p - 1, p, p + 1, 10 * p - 1});
  }
  std::mt19937_64 random(7);
  for (int i = 0; i < 100000; ++i) values.push_back(random() >> (random() % 64));
  for (uint64_t v : values) ASSERT_EQ(decimal(v), fmt::format("{}", v)) << v;
}

TEST(TimelineText, TimesAreFmtsOfTheDoubleProduct) {
  // Whole picoseconds (1 GHz, 800 MHz, 500 MHz, 1.25 GHz, 1 MHz, 10 GHz) and not (1.5 GHz,
  // 733.3 MHz, 3 GHz, 2.7 MHz).
  const std::vector<double> clocks = {1e9, 8e8, 5e8, 1.25e9, 1e6, 1e10, 1.5e9, 733.3e6, 3e9, 2.7e6};
  std::mt19937_64 random(11);
  for (double hz : clocks) {
    const ChipMicroseconds us(hz);
    const double per_cycle = 1e6 / hz;
    const auto expect = [&](uint64_t cycles) {
      ASSERT_EQ(micros(us, cycles), fmt::format("{:.6f}", static_cast<double>(cycles) * per_cycle))
          << cycles << " cycles at " << hz << " Hz";
    };
    std::vector<uint64_t> cycles = {0, 1, 2, 999, 1000, 1001, 123456789};
    // Around the last time computed exactly (1e15 ps) and far past it.
    const auto period_ps = static_cast<uint64_t>(1e12 / hz);
    if (period_ps > 0) {
      const uint64_t limit = 1'000'000'000'000'000 / period_ps;
      cycles.insert(cycles.end(), {limit - 2, limit - 1, limit, limit + 1});
    }
    cycles.insert(cycles.end(), {uint64_t{1} << 53, UINT64_MAX});
    for (int i = 0; i < 20000; ++i) cycles.push_back(random() >> (14 + random() % 50));
    for (uint64_t c : cycles) expect(c);
  }
}

}  // namespace
}  // namespace etchsim::sim
