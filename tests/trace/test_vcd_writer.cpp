// etchsim's VCD writer: time order from changes given in any order across variables, one value
// per variable and cycle, the window, x, the clock as timescale; rows from row sources equal the
// same rows given change by change, the bytes do not depend on the threads, within a time changes
// come in row order; its output read back by the VCD reader.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>

#include "etchsim/trace/vcd_reader.hpp"
#include "etchsim/trace/vcd_writer.hpp"

namespace etchsim::trace {
namespace {

VcdFile read_back(const std::string& text) {
  std::istringstream in(text);
  return parse_vcd(in);
}

// A test source: `rows` consecutive rows from `first`; at each of `cycles` (rising) every row
// takes a value computed from the event's index (some unchanged, some x, some wide).
class TableSource : public RowSource {
 public:
  TableSource(uint32_t first, uint32_t rows, std::vector<uint64_t> cycles, bool reversed = false)
      : m_first(first), m_rows(rows), m_cycles(std::move(cycles)), m_reversed(reversed) {}
  static uint64_t value(size_t event, uint32_t row) {
    const uint64_t v = (event * 7 + row * 3) % 11;
    if (v == 10) return kVcdX;
    return row == 0 ? v % 4 : v * (uint64_t{1} << (row * 6));  // row 0: 2 bits
  }
  static uint32_t width(uint32_t row) { return row == 0 ? 2 : 4 + row * 6; }

  std::unique_ptr<RowCursor> cursor() const override { return std::make_unique<Cursor>(*this); }
  void sample_cycles(uint64_t every, std::vector<uint64_t>& out) const override {
    for (size_t i = 0; i < m_cycles.size(); i += std::max<uint64_t>(1, every / m_rows))
      out.push_back(m_cycles[i]);
  }

 private:
  class Cursor : public RowCursor {
   public:
    explicit Cursor(const TableSource& s) : m_s(s) {}
    void seek(uint64_t cycle, RowValues& values) override {
      m_next = static_cast<size_t>(
          std::upper_bound(m_s.m_cycles.begin(), m_s.m_cycles.end(), cycle) - m_s.m_cycles.begin());
      if (m_next > 0) set(m_next - 1, values);
    }
    uint64_t next_cycle() const override {
      return m_next < m_s.m_cycles.size() ? m_s.m_cycles[m_next] : kNoCycle;
    }
    uint64_t step(RowValues& values) override {
      set(m_next++, values);
      return next_cycle();
    }

   private:
    void set(size_t event, RowValues& values) const {
      for (uint32_t i = 0; i < m_s.m_rows; ++i) {
        const uint32_t r = m_s.m_reversed ? m_s.m_rows - 1 - i : i;
        values.set(m_s.m_first + r, value(event, r));
      }
    }
    const TableSource& m_s;
    size_t m_next = 0;
  };
  uint32_t m_first, m_rows;
  std::vector<uint64_t> m_cycles;
  bool m_reversed;
};

// Rising cycles with gaps from 1 to `spread`, starting at `start`.
std::vector<uint64_t> event_cycles(std::mt19937_64& rng, size_t n, uint64_t start,
                                   uint64_t spread) {
  std::vector<uint64_t> c;
  uint64_t at = start;
  for (size_t i = 0; i < n; ++i) {
    c.push_back(at);
    at += 1 + rng() % spread;
  }
  return c;
}

// `n_sources` table sources of 3 rows each (scope per source), either as sources or as the same
// values given change by change; `threads` writer threads.
// `progress`, if given, gets the writer's progress calls.
std::string table_trace(bool as_sources, unsigned threads, size_t events, uint64_t from = 0,
                        uint64_t to = UINT64_MAX,
                        std::vector<std::pair<uint64_t, uint64_t>>* progress = nullptr) {
  constexpr uint32_t kRows = 3;
  constexpr uint32_t kSources = 40;
  VcdWriter w;
  if (from != 0 || to != UINT64_MAX) w.set_window(from, to);
  w.set_threads(threads);
  if (progress != nullptr) {
    w.set_progress(
        [progress](uint64_t done, uint64_t total) { progress->emplace_back(done, total); });
  }
  std::mt19937_64 rng(11);
  for (uint32_t s = 0; s < kSources; ++s) {
    uint32_t first = 0;
    for (uint32_t r = 0; r < kRows; ++r) {
      const uint32_t v = w.add_var({"top", fmt::format("s{}", s)}, fmt::format("r{}", r),
                                   TableSource::width(r), r == 0 ? 0 : kVcdX);
      if (r == 0) first = v;
    }
    // Sources of different density: some change every few cycles, some rarely.
    std::vector<uint64_t> cycles = event_cycles(rng, events, s % 5, 1 + (s % 4) * 40);
    if (as_sources) {
      w.add_source(first, kRows, std::make_unique<TableSource>(first, kRows, cycles));
    } else {
      for (size_t e = 0; e < cycles.size(); ++e)
        for (uint32_t r = 0; r < kRows; ++r)
          w.change(first + r, cycles[e], TableSource::value(e, r));
    }
  }
  return w.text(cycle_timescale(), 1000000);
}

// Progress comes once per run of pieces, in order, from 1 to the number of runs, and changes no
// byte.
TEST(VcdWriter, ProgressCountsThePiecesInOrderAndChangesNothing) {
  for (const unsigned threads : {1u, 2u, 4u}) {
    std::vector<std::pair<uint64_t, uint64_t>> calls;
    const std::string text = table_trace(true, threads, 4000, 0, UINT64_MAX, &calls);
    EXPECT_EQ(text, table_trace(true, threads, 4000)) << threads << " threads";
    ASSERT_GE(calls.size(), 2u) << threads << " threads: a trace of several pieces";
    for (size_t i = 0; i < calls.size(); ++i) {
      EXPECT_EQ(calls[i].first, i + 1) << threads << " threads";
      EXPECT_EQ(calls[i].second, calls.size()) << threads << " threads";
    }
  }
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
  // Cycles far apart (beyond 2^33: the writer's sort takes several passes), variables changing at
  // interleaved times.
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

TEST(VcdWriter, RowSourcesWriteWhatChangesWould) {
  const std::string text = table_trace(true, 1, 300);
  EXPECT_EQ(text, table_trace(false, 1, 300));
  // Changes are dropped when the value stays: fewer lines than events x rows.
  const VcdFile vcd = read_back(text);
  size_t n = 0;
  for (const VcdVar& v : vcd.vars) n += v.changes.size();
  EXPECT_GT(n, 40u * 300);
  EXPECT_LT(n, 40u * 3 * 301);
}

TEST(VcdWriter, BytesDoNotDependOnThreadsOrPieces) {
  // ~2 M changes: the writer cuts the time into several pieces; any number of threads writes
  // the same bytes as one.
  const std::string one = table_trace(true, 1, 20000);
  EXPECT_GT(one.size(), 10'000'000u);
  EXPECT_EQ(one, table_trace(true, 2, 20000));
  EXPECT_EQ(one, table_trace(true, 5, 20000));
  EXPECT_EQ(one, table_trace(false, 3, 20000));
  // And within a window.
  EXPECT_EQ(table_trace(true, 1, 20000, 50000, 700000),
            table_trace(false, 3, 20000, 50000, 700000));
  EXPECT_EQ(table_trace(true, 4, 20000, 50000, 700000),
            table_trace(false, 1, 20000, 50000, 700000));
}

TEST(VcdWriter, PiecesFarLargerThanTheBuffersFirstRoomAreWrittenWhole) {
  // 64-bit values: ~70 bytes a line, so a piece's text is several times the room its buffers start
  // with (sized for a flagship's ~13 bytes a line) and they grow mid-piece. Every change read back.
  constexpr uint32_t kVars = 24;
  constexpr uint64_t kCycles = 12000;
  const auto build = [](unsigned threads, std::vector<std::vector<VcdChange>>* given) {
    VcdWriter w;
    w.set_threads(threads);
    for (uint32_t v = 0; v < kVars; ++v) w.add_var({"top"}, fmt::format("v{}", v), 64, 0);
    std::mt19937_64 rng(5);
    if (given != nullptr) given->assign(kVars, {});
    for (uint64_t c = 1; c <= kCycles; ++c) {
      for (uint32_t v = 0; v < kVars; ++v) {
        const uint64_t value = rng() | (uint64_t{1} << 63);  // 64 binary digits
        w.change(v, c, value);
        if (given != nullptr) {
          std::string bits;
          for (int b = 63; b >= 0; --b) bits += ((value >> b) & 1) != 0 ? '1' : '0';
          (*given)[v].push_back({c, bits});
        }
      }
    }
    return w.text(cycle_timescale(), kCycles);
  };
  std::vector<std::vector<VcdChange>> given;
  const std::string one = build(1, &given);
  EXPECT_GT(one.size(), kVars * kCycles * 68);
  EXPECT_EQ(one, build(2, nullptr));
  EXPECT_EQ(one, build(3, nullptr));
  const VcdFile vcd = read_back(one);
  ASSERT_EQ(vcd.vars.size(), kVars);
  for (uint32_t v = 0; v < kVars; ++v) {
    ASSERT_EQ(vcd.vars[v].changes.size(), kCycles + 1) << v;  // and the $dumpvars value
    EXPECT_EQ(vcd.vars[v].changes.front(), (VcdChange{0, "0"})) << v;
    const std::vector<VcdChange> written(vcd.vars[v].changes.begin() + 1,
                                         vcd.vars[v].changes.end());
    EXPECT_EQ(written, given[v]) << v;
  }
}

TEST(VcdWriter, WithinATimeChangesComeInRowOrder) {
  VcdWriter w;
  const uint32_t a = w.add_var({"top"}, "a", 4, 0);
  const uint32_t b = w.add_var({"top"}, "b", 4, 0);
  const uint32_t c = w.add_var({"top"}, "c", 4, 0);
  w.change(c, 5, 1);
  w.change(a, 5, 2);
  w.change(b, 5, 3);
  const std::string text = w.text(cycle_timescale(), 5);
  EXPECT_NE(text.find("#5\nb10 !\nb11 \"\nb1 #\n"), std::string::npos) << text;
}

TEST(VcdWriter, RowSourceContractIsChecked) {
  {
    // Rows set out of order within a cycle.
    VcdWriter w;
    w.add_var({"top"}, "a", 2, 0);
    w.add_var({"top"}, "b", 26, 0);
    w.add_source(0, 2, std::make_unique<TableSource>(0, 2, std::vector<uint64_t>{1, 2}, true));
    EXPECT_THROW((void)w.text(cycle_timescale(), 3), std::logic_error);
  }
  VcdWriter w;
  w.add_var({"top"}, "a", 2, 0);
  w.add_var({"top"}, "b", 26, 0);
  w.add_var({"top"}, "c", 1, 0);
  EXPECT_THROW(w.add_source(2, 2, std::make_unique<TableSource>(2, 2, std::vector<uint64_t>{})),
               std::invalid_argument);  // past the last row
  EXPECT_THROW(w.add_source(0, 1, nullptr), std::invalid_argument);
  w.change(2, 1, 1);
  EXPECT_THROW(w.add_source(1, 2, std::make_unique<TableSource>(1, 2, std::vector<uint64_t>{})),
               std::invalid_argument);  // row c has changes
  w.add_source(0, 2, std::make_unique<TableSource>(0, 2, std::vector<uint64_t>{1, 4}));
  EXPECT_THROW(w.add_source(1, 1, std::make_unique<TableSource>(1, 1, std::vector<uint64_t>{})),
               std::invalid_argument);  // row b has a source
  EXPECT_THROW(w.change(0, 2, 1), std::logic_error);
  const VcdFile vcd = read_back(w.text(cycle_timescale(), 4));
  EXPECT_EQ(changes(vcd, "top.c"),
            (std::vector<std::pair<uint64_t, std::string>>{{0, "0"}, {1, "1"}}));
  // Row a: value 0 at cycle 1 (no change from its initial 0), 3 at cycle 4.
  EXPECT_EQ(changes(vcd, "top.a"),
            (std::vector<std::pair<uint64_t, std::string>>{{0, "0"}, {4, "11"}}));
}

}  // namespace
}  // namespace etchsim::trace
