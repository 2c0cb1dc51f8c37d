// Internal to sim/: the number text of the timeline's slices (trace_timeline.cpp), written
// without fmt. A long multi-user run's timeline is millions of slices, and formatting their
// times as doubles through fmt took about half of its writing. Both write the bytes fmt wrote
// before them ("{}" of an integer, "{:.6f}" of cycles * (1e6 / clock_hz)): the test compares them
// with fmt.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace etchsim::sim {

// Room a put_decimal or ChipMicroseconds::put needs at most.
inline constexpr int kMaxNumberChars = 32;

namespace timeline_detail {
// "00" to "99".
inline constexpr char kPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";
inline constexpr uint64_t kPowers[20] = {1,
                                         10,
                                         100,
                                         1000,
                                         10000,
                                         100000,
                                         1000000,
                                         10000000,
                                         100000000,
                                         1000000000,
                                         10000000000,
                                         100000000000,
                                         1000000000000,
                                         10000000000000,
                                         100000000000000,
                                         1000000000000000,
                                         10000000000000000,
                                         100000000000000000,
                                         1000000000000000000,
                                         10000000000000000000u};
// The digits of v: log10(2) ~ 1233 / 4096 gives the count or one less (v | 1 for v = 0: it crosses
// no power of ten, all of which above 1 are even).
inline int digits(uint64_t v) {
  const uint64_t w = v | 1;
  const auto guess = static_cast<int>((std::bit_width(w) * 1233) >> 12);
  return guess + (w >= kPowers[guess] ? 1 : 0);
}
// The last n digits of v at out, two at a time from the end.
inline void put_digits(char* out, uint64_t v, int n) {
  char* p = out + n;
  while (n >= 2) {
    p -= 2;
    std::memcpy(p, kPairs + 2 * (v % 100), 2);
    v /= 100;
    n -= 2;
  }
  if (n == 1) *--p = static_cast<char>('0' + v % 10);
}
}  // namespace timeline_detail

// The decimal digits of `v` at `out`; returns the end.
inline char* put_decimal(char* out, uint64_t v) {
  const int n = timeline_detail::digits(v);
  timeline_detail::put_digits(out, v, n);
  return out + n;
}

// Cycles as microseconds of chip time with six decimals.
class ChipMicroseconds {
 public:
  explicit ChipMicroseconds(double clock_hz);
  // Writes `cycles` at `out` (at most kMaxNumberChars chars); returns the end.
  char* put(char* out, uint64_t cycles) const {
    if (cycles < m_exact_below) {
      const uint64_t ps = cycles * m_period_ps;
      out = put_decimal(out, ps / 1'000'000);
      *out = '.';
      timeline_detail::put_digits(out + 1, ps % 1'000'000, 6);
      return out + 7;
    }
    return put_rounded(out, cycles);
  }

 private:
  // fmt's "{:.6f}" of the double.
  char* put_rounded(char* out, uint64_t cycles) const;

  double m_us_per_cycle;
  // The clock period in picoseconds when it is a whole number, and the cycles below which the
  // text is computed from it exactly (0 otherwise: every time goes through fmt).
  uint64_t m_period_ps = 0;
  uint64_t m_exact_below = 0;
};

}  // namespace etchsim::sim
