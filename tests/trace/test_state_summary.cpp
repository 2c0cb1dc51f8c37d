// Per-unit state figures from a trace alone: cycles per state up to the end time, the longest
// stall on one token (a stall run ends when the token changes), time units per cycle.
#include <gtest/gtest.h>

#include <sstream>

#include "etchsim/trace/state_summary.hpp"
#include "etchsim/trace/vcd_writer.hpp"

namespace etchsim::trace {
namespace {

std::vector<UnitStateSummary> summary_of(const std::string& vcd) {
  std::istringstream in(vcd);
  return summarize_unit_states(in);
}

TEST(StateSummary, CountsStatesAndSplitsStallsPerToken) {
  VcdWriter w;
  const uint32_t state = w.add_var({"chip", "L00", "qkv"}, "state", 2, 0);
  const uint32_t user = w.add_var({"chip", "L00", "qkv"}, "user", 32, kVcdX);
  const uint32_t pos = w.add_var({"chip", "L00", "qkv"}, "pos", 32, kVcdX);
  // waiting 10..11, busy 11..20 (token u0 p5), stalled 20..24, then the next token (u0 p6),
  // already ready, stalled 24..27, busy 27..30, idle from 30 to the end at 40.
  w.change(state, 10, 3);
  w.change(state, 11, 1);
  w.change(user, 11, 0);
  w.change(pos, 11, 5);
  w.change(state, 20, 2);
  w.change(pos, 24, 6);
  w.change(state, 27, 1);
  w.change(state, 30, 0);
  w.change(user, 30, kVcdX);
  w.change(pos, 30, kVcdX);
  const VcdTimescale ts = clock_timescale(500e6);  // 2 units per cycle
  const auto units = summary_of(w.text(ts, 40));
  ASSERT_EQ(units.size(), 1u);
  EXPECT_EQ(units[0].group, "L00");
  EXPECT_EQ(units[0].unit, "qkv");
  EXPECT_EQ(units[0].waiting, 1u);
  EXPECT_EQ(units[0].busy, 9u + 3u);
  EXPECT_EQ(units[0].stalled, 7u);
  EXPECT_EQ(units[0].idle, 10u + 10u);
  EXPECT_EQ(units[0].longest_stall, 4u);  // 20..24 on p5, then 24..27 on p6
}

// A one-user run's trace has no user rows: the position alone splits the stalls.
TEST(StateSummary, ReadsUnitsWithoutAUserRow) {
  VcdWriter w;
  const uint32_t state = w.add_var({"chip", "L00", "qkv"}, "state", 2, 0);
  const uint32_t pos = w.add_var({"chip", "L00", "qkv"}, "pos", 32, kVcdX);
  // busy 2..5 (p0), stalled 5..9, stalled 9..15 on p1, idle from 15 to the end at 20.
  w.change(state, 2, 1);
  w.change(pos, 2, 0);
  w.change(state, 5, 2);
  w.change(pos, 9, 1);
  w.change(state, 15, 0);
  w.change(pos, 15, kVcdX);
  const auto units = summary_of(w.text(cycle_timescale(), 20));
  ASSERT_EQ(units.size(), 1u);
  EXPECT_EQ(units[0].busy, 3u);
  EXPECT_EQ(units[0].stalled, 10u);
  EXPECT_EQ(units[0].idle, 2u + 5u);
  EXPECT_EQ(units[0].longest_stall, 6u);  // 5..9 on p0, then 9..15 on p1
}

TEST(StateSummary, RefusesTracesItCannotRead) {
  EXPECT_THROW(summary_of("$timescale 1 ns $end\n$enddefinitions $end\n"),
               std::runtime_error);  // no time_units_per_cycle comment
  VcdWriter w;
  const uint32_t state = w.add_var({"chip", "L00", "qkv"}, "state", 2, 0);
  w.change(state, 3, 1);
  EXPECT_THROW(summary_of(w.text(cycle_timescale(), 5)),
               std::runtime_error);  // no pos row
}

}  // namespace
}  // namespace etchsim::trace
