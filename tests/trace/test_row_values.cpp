// The VCD writer's formatting (trace/row_values) against plain formatting: decimal times through
// the pairs table against std::to_string, value-change lines against the binary digits written
// out one by one, and changes recorded step by step, sorted and copied out (the writer's pieces)
// against the same changes written directly.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "etchsim/trace/row_values.hpp"

namespace etchsim::trace {
namespace {

std::string decimal(uint64_t v) {
  std::array<char, 40> buf{};
  char* end = append_decimal(buf.data(), v);
  return {buf.data(), end};
}

TEST(RowValues, DecimalDigitsAreThoseOfToString) {
  for (uint64_t v = 0; v < 200000; ++v) ASSERT_EQ(decimal(v), std::to_string(v));
  for (uint64_t p = 1; p <= 10000000000000000000ull; p *= 10) {
    for (const uint64_t v : {p - 1, p, p + 1, 2 * p - 1, 9 * p, 9 * p + p / 2}) {
      ASSERT_EQ(decimal(v), std::to_string(v));
    }
    if (p == 10000000000000000000ull) break;
  }
  EXPECT_EQ(decimal(UINT64_MAX), std::to_string(UINT64_MAX));
  std::mt19937_64 rng(3);
  for (int k = 0; k < 100000; ++k) {
    const uint64_t v = rng() >> (rng() % 64);
    ASSERT_EQ(decimal(v), std::to_string(v));
  }
}

// `#time` lines keep the digits above the last four from the previous line: times in rising order
// (small steps, steps across 10^4 and far larger jumps, last four digits with leading zeros) and
// several time units per cycle, against std::to_string.
TEST(RowValues, TimeLinesAreTheDecimalTimes) {
  const std::vector<RowDecl> rows = {{"!", 1, 0}};
  std::mt19937_64 rng(6);
  for (const uint64_t per_cycle : {uint64_t{1}, uint64_t{125}, uint64_t{100000}}) {
    RowValues values(rows, per_cycle);
    TextBuffer out;
    values.set_output(&out, 0, 0);
    std::string expected;
    uint64_t cycle = 1;
    uint64_t bit = 0;
    for (int k = 0; k < 20000; ++k) {
      values.begin_cycle(cycle);
      bit ^= 1;
      values.set(0, bit);
      expected += '#';
      expected += std::to_string(cycle * per_cycle);
      expected += bit != 0 ? "\n1!\n" : "\n0!\n";
      const uint64_t kind = rng() % 10;
      const uint64_t step = kind < 6   ? 1 + rng() % 50
                            : kind < 9 ? 9990 + rng() % 20
                                       : rng() % (uint64_t{1} << (10 + rng() % 30));
      cycle += std::max<uint64_t>(1, step);
    }
    const size_t size = values.stop_output();
    ASSERT_EQ(std::string(out.data(), size), expected) << per_cycle << " units per cycle";
  }
}

// A value-change line written out digit by digit.
std::string plain_line(const RowDecl& d, uint64_t v) {
  std::string line;
  if (d.width == 1) {
    line.push_back(v == kVcdX ? 'x' : static_cast<char>('0' + v));
  } else {
    line.push_back('b');
    if (v == kVcdX) {
      line.push_back('x');
    } else {
      int top = 63;
      while (top > 0 && ((v >> top) & 1) == 0) --top;
      for (int i = top; i >= 0; --i) line.push_back(((v >> i) & 1) != 0 ? '1' : '0');
    }
    line.push_back(' ');
  }
  line.append(d.id);
  line.push_back('\n');
  return line;
}

// Rows of every width 1..64 and a few more, identifiers of 1 to 5 characters.
std::vector<RowDecl> test_rows() {
  std::vector<RowDecl> rows;
  for (uint32_t w = 1; w <= 64; ++w) {
    rows.push_back({std::string(1 + w % 5, static_cast<char>('#' + w)), w, kVcdX});
  }
  rows.push_back({"z2", 2, 0});
  rows.push_back({"z11", 11, 0});
  rows.push_back({"z32", 32, 0});
  return rows;
}

uint64_t random_value(std::mt19937_64& rng, uint32_t width) {
  if (rng() % 7 == 0) return kVcdX;
  const uint64_t v = rng() >> (rng() % 64);
  return width == 64 ? (v == kVcdX ? 0 : v) : v & ((uint64_t{1} << width) - 1);
}

TEST(RowValues, ChangeLinesAreTheBinaryDigits) {
  const std::vector<RowDecl> rows = test_rows();
  RowValues values(rows, 1);
  std::mt19937_64 rng(4);
  TextBuffer out;
  values.set_output(&out, 0, 0);
  std::string expected;
  uint64_t cycle = 1;
  for (int k = 0; k < 3000; ++k, ++cycle) {
    values.begin_cycle(cycle);
    expected += '#';
    expected += std::to_string(cycle);
    expected += '\n';
    for (auto r = static_cast<uint32_t>(rng() % 4); r < rows.size();
         r += 1 + static_cast<uint32_t>(rng() % 5)) {
      uint64_t v = random_value(rng, rows[r].width);
      if (v == values.value(r)) v = v == 0 ? 1 : 0;  // a change every time
      values.set(r, v);
      expected += plain_line(rows[r], v);
    }
  }
  const size_t size = values.stop_output();
  EXPECT_EQ(std::string(out.data(), size), expected);
}

// Random steps of one source after another (each source's rows its own, its cycles rising),
// through set_record / write_steps sorted by cycle, against the same changes written in time
// order; steps from one row to all rows at once, with and without a change.
TEST(RowValues, RecordedStepsWriteWhatDirectChangesWould) {
  const std::vector<RowDecl> rows = test_rows();
  std::mt19937_64 rng(8);
  for (const uint64_t base : {uint64_t{0}, uint64_t{5}, uint64_t{99999999}, uint64_t{1} << 40}) {
    // Sources own 4 consecutive rows; each gets events at rising cycles with values.
    struct Event {
      uint64_t cycle;
      uint32_t source;
      std::vector<std::pair<uint32_t, uint64_t>> sets;
    };
    std::vector<Event> events;
    const auto n_sources = static_cast<uint32_t>(rows.size() / 4);
    for (uint32_t s = 0; s < n_sources; ++s) {
      uint64_t at = base + rng() % 3;
      for (int k = 0; k < 200; ++k) {
        Event e{at, s, {}};
        const bool all = rng() % 50 == 0;
        for (uint32_t r = 4 * s; r < 4 * s + 4; ++r) {
          if (all || rng() % 2 == 0) e.sets.emplace_back(r, random_value(rng, rows[r].width));
        }
        events.push_back(e);
        at += 1 + rng() % 40 * (rng() % 3);
      }
    }
    // Recorded: source by source, then sorted by cycle (stable), then written.
    RowValues recorder(rows, 1);
    RowValues::StepList steps;
    TextBuffer text;
    recorder.set_record(&steps, &text, base);
    for (const Event& e : events) {
      recorder.begin_cycle(e.cycle);
      for (const auto& [r, v] : e.sets) recorder.set(r, v);
    }
    recorder.stop_record();
    std::stable_sort(steps.begin(), steps.end(),
                     [](const auto& a, const auto& b) { return a.cycle < b.cycle; });
    TextBuffer recorded;
    recorder.set_output(&recorded, 0, base == 0 ? 0 : kNoCycle);
    recorder.write_steps(steps.data(), steps.data() + steps.size(), text.data(), base);
    const std::string by_steps(recorded.data(), recorder.stop_output());
    const uint64_t last_by_steps = recorder.last_time_cycle();

    // Direct: all events in time order (sources in row order within a cycle).
    std::stable_sort(events.begin(), events.end(),
                     [](const Event& a, const Event& b) { return a.cycle < b.cycle; });
    RowValues direct(rows, 1);
    TextBuffer out;
    direct.set_output(&out, 0, base == 0 ? 0 : kNoCycle);
    for (size_t i = 0; i < events.size(); ++i) {
      if (i == 0 || events[i].cycle != events[i - 1].cycle) direct.begin_cycle(events[i].cycle);
      for (const auto& [r, v] : events[i].sets) direct.set(r, v);
    }
    const std::string by_cycle(out.data(), direct.stop_output());
    EXPECT_EQ(by_steps, by_cycle) << "base " << base;
    EXPECT_EQ(last_by_steps, direct.last_time_cycle());
    EXPECT_GT(by_cycle.size(), 50000u);
  }
}

// A step of more than 64 KiB of lines (its size takes the long form) between short ones, and the
// recording's cycle range.
TEST(RowValues, LongStepsAndTheRecordingsRange) {
  std::vector<RowDecl> rows;
  for (uint32_t r = 0; r < 1500; ++r) {
    std::string id(1, static_cast<char>('!' + r % 90));
    id += std::to_string(r);
    rows.push_back({id, 64, 0});
  }
  RowValues recorder(rows, 3);
  RowValues::StepList steps;
  TextBuffer text;
  const uint64_t base = 1000;
  // The same three cycles of changes, recorded as steps or written directly.
  const auto drive = [&](RowValues& v) {
    v.begin_cycle(base + 1);
    v.set(7, 1);
    v.begin_cycle(base + 2);
    for (uint32_t r = 0; r < rows.size(); ++r) v.set(r, (uint64_t{1} << 62) + r);
    v.begin_cycle(base + 3);
    v.set(9, 5);
  };
  recorder.set_record(&steps, &text, base);
  drive(recorder);
  recorder.stop_record();
  ASSERT_EQ(steps.size(), 3u);
  TextBuffer out;
  recorder.set_output(&out, 0, kNoCycle);
  recorder.write_steps(steps.data(), steps.data() + steps.size(), text.data(), base);
  const std::string by_steps(out.data(), recorder.stop_output());

  RowValues direct(rows, 3);
  TextBuffer out2;
  direct.set_output(&out2, 0, kNoCycle);
  drive(direct);
  const std::string by_cycle(out2.data(), direct.stop_output());
  EXPECT_EQ(by_steps, by_cycle);
  EXPECT_GT(by_cycle.size(), size_t{100000});
  EXPECT_EQ(by_cycle.substr(0, 12), "#3003\nb1 (7\n");

  // Cycles before the base, or too far after it, cannot be recorded.
  recorder.set_record(&steps, &text, base);
  EXPECT_THROW(recorder.begin_cycle(base - 1), std::logic_error);
  EXPECT_NO_THROW(recorder.begin_cycle(base + RowValues::kMaxStepCycle));
  EXPECT_THROW(recorder.begin_cycle(base + RowValues::kMaxStepCycle + 1), std::logic_error);
  recorder.stop_record();
}

}  // namespace
}  // namespace etchsim::trace
