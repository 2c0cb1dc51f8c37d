// A unit's trace rows as the writer computes them from the unit's log (sim/trace_unit_rows),
// against the same rows computed cycle by cycle from their definitions (docs/chip.md "Traces"),
// written through one thread and through several: the writer cuts the time into pieces, so the
// cursors seek to the pieces' starts (forward from where they stand, or from scratch).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "../../src/sim/trace_unit_rows.hpp"
#include "etchsim/trace/vcd_writer.hpp"

namespace etchsim::sim {
namespace {

using trace::kVcdX;

// A random log obeying the pipeline's rules: one take and one hand-on a cycle at most, a token
// taken after it reached the input register and handed on after its result is ready, the input
// register refilled only after its token was taken, at most `depth` tokens inside.
struct RandomUnit {
  chip::UnitLog log;
  std::vector<uint64_t> in;
};

RandomUnit random_unit(std::mt19937_64& rng, size_t tokens, uint32_t depth) {
  RandomUnit u;
  uint64_t fill = 1 + rng() % 5, take = 0, leave = 0;
  for (size_t k = 0; k < tokens; ++k) {
    if (k > 0) fill = std::max(fill + 1, u.log.accepts.back().cycle) + rng() % 3 * (rng() % 40);
    take = std::max(fill + rng() % 3, k == 0 ? 0 : u.log.accepts.back().cycle + 1);
    if (k >= depth) take = std::max(take, u.log.completes[k - depth]);
    const uint64_t done = take + 1 + rng() % 20;
    leave = std::max({done + (rng() % 4 == 0 ? rng() % 30 : 0), leave + 1, take + 1});
    u.in.push_back(fill);
    u.log.accept({take, done, static_cast<uint32_t>(rng() % 3), static_cast<uint32_t>(k)});
    u.log.complete(leave);
  }
  return u;
}

size_t count_up_to(std::span<const uint64_t> v, uint64_t t) {
  return static_cast<size_t>(std::upper_bound(v.begin(), v.end(), t) - v.begin());
}

// The rows' values at the end of cycle t from their definitions.
std::vector<uint64_t> values_at(const RandomUnit& u, uint64_t t) {
  size_t ia = 0;
  while (ia < u.log.accepts.size() && u.log.accepts[ia].cycle <= t) ++ia;
  const size_t ic = count_up_to(u.log.completes, t);
  const size_t ii = count_up_to(u.in, t);
  if (ia == ic) return {ii > ia ? kWaiting : kIdle, kVcdX, kVcdX, 0};
  const chip::UnitLog::Accept& oldest = u.log.accepts[ic];
  return {oldest.done <= t ? kStalled : kBusy, oldest.seq, oldest.pos, ia - ic};
}

TEST(TraceUnitRows, CursorsEqualTheRowsDefinitionsAtEveryCycleAndPieceCut) {
  std::mt19937_64 rng(5);
  std::vector<RandomUnit> units;
  for (uint32_t i = 0; i < 24; ++i) units.push_back(random_unit(rng, 1500, 1 + i % 4));
  uint64_t end = 0;
  for (const RandomUnit& u : units) end = std::max(end, u.log.completes.back() + 3);

  std::string expected;
  for (const unsigned threads : {1u, 4u}) {
    trace::VcdWriter by_cursor, by_cycle;
    by_cursor.set_threads(threads);
    for (size_t i = 0; i < units.size(); ++i) {
      const std::vector<std::string> scope = {"chip", fmt::format("u{}", i)};
      UnitRowIds ids;
      ids.has_user = true;
      ids.has_inside = true;
      for (trace::VcdWriter* w : {&by_cursor, &by_cycle}) {
        ids.state = w->add_var(scope, "state", 2, kIdle);
        w->add_var(scope, "user", 32, kVcdX);
        w->add_var(scope, "pos", 32, kVcdX);
        w->add_var(scope, "inside", 3, 0);
      }
      by_cursor.add_source(ids.state, ids.count(),
                           unit_row_source(units[i].log, Cycles::of(units[i].in), ids));
      if (threads != 1) continue;
      std::vector<uint64_t> last = {kIdle, kVcdX, kVcdX, 0};
      for (uint64_t t = 0; t <= end; ++t) {
        const std::vector<uint64_t> now = values_at(units[i], t);
        for (uint32_t r = 0; r < 4; ++r) {
          if (now[r] != last[r]) by_cycle.change(ids.state + r, t, now[r]);
        }
        last = now;
      }
    }
    const std::string text = by_cursor.text(trace::cycle_timescale(), end);
    if (threads == 1) expected = by_cycle.text(trace::cycle_timescale(), end);
    EXPECT_EQ(text, expected) << threads << " threads";
    EXPECT_GT(text.size(), size_t{1} << 20);  // many pieces: the cursors seek many times
  }
}

// Seeks as the writer's threads make them, checked directly (which pieces a thread takes depends
// on the scheduler): forward by a few entries or many (from where the cursor stands), back (from
// scratch), each followed by steps.
TEST(TraceUnitRows, CursorsSeekForwardAndBack) {
  std::mt19937_64 rng(9);
  for (uint32_t depth = 1; depth <= 4; ++depth) {
    const RandomUnit u = random_unit(rng, 3000, depth);
    UnitRowIds ids;
    ids.has_user = true;
    ids.has_inside = true;
    const std::vector<trace::RowDecl> decls = {
        {"!", 2, kIdle}, {"\"", 32, kVcdX}, {"#", 32, kVcdX}, {"%", 3, 0}};
    trace::RowValues values(decls, 1);
    const auto source = unit_row_source(u.log, Cycles::of(u.in), ids);
    const auto cursor = source->cursor();
    const uint64_t end = u.log.completes.back() + 3;
    const auto expect_at = [&](uint64_t t, const char* what) {
      const std::vector<uint64_t> want = values_at(u, t);
      for (uint32_t r = 0; r < 4; ++r)
        ASSERT_EQ(values.value(r), want[r]) << what << " cycle " << t << " row " << r;
    };
    uint64_t at = 0;
    for (int k = 0; k < 400; ++k) {
      const uint64_t jump = rng() % 4 == 0 ? rng() % 20000 : rng() % 300;
      at = rng() % 8 == 0 ? rng() % (at + 1) : std::min(end, at + jump);  // back, or forward
      values.reset();
      cursor->seek(at, values);
      expect_at(at, "seek");
      for (int s = 0; s < 5 && cursor->next_cycle() <= end; ++s) {
        const uint64_t t = cursor->next_cycle();
        cursor->step(values);
        expect_at(t, "step");
      }
    }
  }
}

// held_several (whether a unit gets an `inside` row) against the rows' definition: the most
// tokens inside at the end of any cycle, for units of depth 1 to 3 and logs whose last tokens
// were never handed on.
TEST(TraceUnitRows, HeldSeveralIsTheMostInsideAboveOne) {
  std::mt19937_64 rng(5);
  size_t several = 0, one = 0;
  for (int k = 0; k < 600; ++k) {
    const auto depth = static_cast<uint32_t>(1 + k % 3);
    RandomUnit u = random_unit(rng, 2 + rng() % 12, depth);
    const uint64_t end = u.log.completes.back() + 2;
    const size_t unfinished = rng() % 4 == 0 ? 1 + rng() % 2 : 0;
    for (size_t i = 0; i < unfinished && !u.log.completes.empty(); ++i) u.log.completes.pop_back();
    uint64_t most = 0;
    for (uint64_t t = 0; t <= end; ++t) most = std::max(most, values_at(u, t)[3]);
    EXPECT_EQ(u.log.held_several(), most > 1) << "unit " << k << " depth " << depth;
    // The same lists logged in another order (flow mode may log a token's accept before the
    // previous token's complete): each list in order, the two interleaved at random.
    chip::UnitLog again;
    size_t ia = 0, ic = 0;
    while (ia < u.log.accepts.size() || ic < u.log.completes.size()) {
      const bool take = ic == u.log.completes.size() || (ia < u.log.accepts.size() && rng() % 2);
      if (take) {
        again.accept(u.log.accepts[ia++]);
      } else {
        again.complete(u.log.completes[ic++]);
      }
    }
    EXPECT_EQ(again.held_several(), most > 1) << "unit " << k << " logged in another order";
    ++(most > 1 ? several : one);
  }
  // Both answers occur.
  EXPECT_GT(several, 100u);
  EXPECT_GT(one, 100u);
}

}  // namespace
}  // namespace etchsim::sim
