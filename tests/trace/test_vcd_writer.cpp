// etchsim's VCD writer: time order from changes given in any order across variables, one value
// per variable and cycle, the window, x, the clock as timescale; its output read back by the VCD
// reader.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <sstream>

#include "etchsim/trace/vcd_reader.hpp"
#include "etchsim/trace/vcd_writer.hpp"

namespace etchsim::trace {
namespace {

VcdFile read_back(const std::string& text) {
  std::istringstream in(text);
  return parse_vcd(in);
}

TEST(VcdWriter, OrderOfChangesAcrossVariablesDoesNotMatter) {
  const auto build = [](bool reversed) {
    VcdWriter w;
    const uint32_t a = w.add_var({"chip", "L00", "qkv"}, "state", 2, 0);
    const uint32_t b = w.add_var({"chip", "L00", "qkv"}, "user", 32, kVcdX);
    const uint32_t c = w.add_var({"chip", "host"}, "valid", 1, 0);
    if (reversed) {
      w.change(c, 7, 1);
      w.change(b, 3, 5);
      w.change(b, 9, kVcdX);
      w.change(a, 3, 1);
      w.change(a, 9, 0);
    } else {
      w.change(a, 3, 1);
      w.change(a, 9, 0);
      w.change(b, 3, 5);
      w.change(b, 9, kVcdX);
      w.change(c, 7, 1);
    }
    return w.text(cycle_timescale(), 12);
  };
  const std::string text = build(false);
  EXPECT_EQ(text, build(false));  // deterministic
  const VcdFile vcd = read_back(text);
  const VcdFile reversed = read_back(build(true));
  for (size_t i = 0; i < vcd.vars.size(); ++i)
    EXPECT_EQ(vcd.vars[i].changes, reversed.vars[i].changes) << vcd.vars[i].full_name;
  ASSERT_EQ(vcd.vars.size(), 3u);
  EXPECT_EQ(vcd.vars[0].full_name, "chip.L00.qkv.state");
  EXPECT_EQ(vcd.vars[1].range, "[31:0]");
  EXPECT_EQ(vcd.vars[2].full_name, "chip.host.valid");
  EXPECT_EQ(changes(vcd, "chip.L00.qkv.user"),
            (std::vector<std::pair<uint64_t, std::string>>{{0, "x"}, {3, "101"}, {9, "x"}}));
  EXPECT_EQ(changes(vcd, "chip.L00.qkv.state"),
            (std::vector<std::pair<uint64_t, std::string>>{{0, "0"}, {3, "1"}, {9, "0"}}));
  EXPECT_EQ(vcd.end_time, 12u);
  EXPECT_NE(text.find("$comment etchsim time_units_per_cycle 1 $end"), std::string::npos);
}

TEST(VcdWriter, LastValueInACycleWinsAndRepeatsAreDropped) {
  VcdWriter w;
  const uint32_t v = w.add_var({"top"}, "n", 8, 0);
  w.change(v, 4, 3);
  w.change(v, 4, 0);  // back to the value it had: no change at 4
  w.change(v, 5, 2);
  w.change(v, 6, 2);  // same value
  w.change(v, 8, 7);
  w.change(v, 8, 9);
  EXPECT_THROW(w.change(v, 7, 1), std::logic_error);    // backwards in time
  EXPECT_THROW(w.change(v, 9, 256), std::logic_error);  // wider than 8 bits
  const VcdFile vcd = read_back(w.text(cycle_timescale(), 8));
  EXPECT_EQ(changes(vcd, "top.n"),
            (std::vector<std::pair<uint64_t, std::string>>{{0, "0"}, {5, "10"}, {8, "1001"}}));
}

TEST(VcdWriter, WindowCollapsesEarlierChangesIntoItsStart) {
  VcdWriter w;
  w.set_window(10, 20);
  const uint32_t v = w.add_var({"top"}, "n", 8, 0);
  w.change(v, 2, 1);
  w.change(v, 5, 2);
  w.change(v, 15, 3);
  w.change(v, 25, 4);
  const VcdFile vcd = read_back(w.text(cycle_timescale(), 30));
  EXPECT_EQ(changes(vcd, "top.n"),
            (std::vector<std::pair<uint64_t, std::string>>{{0, "0"}, {10, "10"}, {15, "11"}}));
  EXPECT_EQ(vcd.end_time, 20u);
}

TEST(VcdWriter, ClockTimescale) {
  const VcdTimescale t500 = clock_timescale(500e6);
  EXPECT_EQ(t500.unit, "1 ns");
  EXPECT_EQ(t500.per_cycle, 2u);
  const VcdTimescale t800 = clock_timescale(800e6);
  EXPECT_EQ(t800.unit, "10 ps");
  EXPECT_EQ(t800.per_cycle, 125u);
  const VcdTimescale t1g = clock_timescale(1e9);
  EXPECT_EQ(t1g.unit, "1 ns");
  EXPECT_EQ(t1g.per_cycle, 1u);
  const VcdTimescale t3g = clock_timescale(3e9);  // 333333.33 fs: rounded, and said so
  EXPECT_EQ(t3g.unit, "1 fs");
  EXPECT_EQ(t3g.per_cycle, 333333u);
  EXPECT_NE(t3g.comment.find("rounded"), std::string::npos);
  EXPECT_THROW(clock_timescale(0), std::invalid_argument);
  EXPECT_THROW(clock_timescale(-1), std::invalid_argument);

  VcdWriter w;
  const uint32_t v = w.add_var({"top"}, "b", 1, 0);
  w.change(v, 3, 1);
  const VcdFile vcd = read_back(w.text(t500, 4));
  EXPECT_EQ(vcd.timescale, "1 ns");
  EXPECT_EQ(changes(vcd, "top.b"),
            (std::vector<std::pair<uint64_t, std::string>>{{0, "0"}, {6, "1"}}));
  EXPECT_EQ(vcd.end_time, 8u);
}

TEST(VcdWriter, LargeCyclesComeOutInTimeOrder) {
  // Cycles spanning several radix passes (beyond 2^33), variables changing at interleaved times.
  VcdWriter w;
  std::vector<uint32_t> vars;
  for (uint32_t i = 0; i < 50; ++i)
    vars.push_back(w.add_var({"top"}, fmt::format("v{}", i), 40, 0));
  std::mt19937_64 rng(7);
  std::vector<std::vector<std::pair<uint64_t, std::string>>> expected(vars.size());
  for (uint32_t i = 0; i < vars.size(); ++i) {
    uint64_t cycle = 0;
    expected[i].emplace_back(0, "0");
    for (int k = 0; k < 200; ++k) {
      cycle += 1 + rng() % (uint64_t{1} << (k % 36));
      const uint64_t value = 1 + k;
      w.change(vars[i], cycle, value);
      std::string bits;
      for (uint64_t v = value; v != 0; v >>= 1)
        bits.insert(bits.begin(), static_cast<char>('0' + (v & 1)));
      expected[i].emplace_back(cycle, bits);
    }
  }
  const VcdFile vcd = read_back(w.text(cycle_timescale(), 0));  // the reader checks time order
  for (uint32_t i = 0; i < vars.size(); ++i) {
    EXPECT_EQ(changes(vcd, fmt::format("top.v{}", i)), expected[i]) << i;
  }
}

TEST(VcdWriter, RejectsBadDeclarations) {
  VcdWriter w;
  EXPECT_THROW(w.add_var({"top"}, "n", 0, 0), std::invalid_argument);
  EXPECT_THROW(w.add_var({"top"}, "n", 65, 0), std::invalid_argument);
  EXPECT_THROW(w.add_var({"top"}, "a b", 1, 0), std::invalid_argument);
  EXPECT_THROW(w.add_var({}, "n", 1, 0), std::invalid_argument);
  EXPECT_THROW(w.add_var({"top"}, "n", 2, 4), std::invalid_argument);
  w.add_var({"a"}, "x", 1, 0);
  w.add_var({"b"}, "y", 1, 0);
  EXPECT_THROW(w.add_var({"a"}, "z", 1, 0), std::invalid_argument);  // scope "a" again
  EXPECT_THROW(w.set_window(5, 5), std::invalid_argument);
}

TEST(VcdWriter, ManyVariablesGetDistinctIds) {
  VcdWriter w;
  for (uint32_t i = 0; i < 9000; ++i) w.add_var({"top"}, fmt::format("v{}", i), 1, i % 2);
  const VcdFile vcd = read_back(w.text(cycle_timescale(), 1));
  ASSERT_EQ(vcd.vars.size(), 9000u);
  std::set<std::string> ids;
  for (const auto& v : vcd.vars) ids.insert(v.id);
  EXPECT_EQ(ids.size(), 9000u);
}

}  // namespace
}  // namespace etchsim::trace
