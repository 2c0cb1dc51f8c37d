// The pipeline engine on its own (no SystemC): a chain of units with random latencies and
// intervals, grouped in random stages, feeding a token FIFO of random depth that a host reads on
// random cycles (backpressure when it is full), tokens written whenever the input register is
// free. Lockstep (every unit every cycle) is the reference; calendar (wake calendar) must reach
// the same state at every cycle, and flow (every change computed ahead at the host's actions)
// the same cycles for every token, busy counts and stage busy cycles.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <random>
#include <vector>

#include "etchsim/chip/pipeline.hpp"

namespace etchsim::chip {
namespace {

struct Event {
  uint64_t cycle;
  uint32_t seq, pos;
  bool operator==(const Event&) const = default;
};

struct Recording {
  std::vector<Event> out;                  // tokens reaching the sink
  std::vector<Event> in;                   // tokens the host wrote
  std::vector<std::vector<uint8_t>> busy;  // per cycle, per unit (lockstep and calendar)
  std::vector<uint64_t> busy_cycles;       // per unit, then per stage
  std::vector<uint64_t> tokens;            // per unit
  std::vector<uint64_t> stalls;            // per unit: stalled cycles, longest stall
  std::vector<uint8_t> held_several;       // per unit: ever held two tokens at once
  // Per unit: the cycles and tags of its accepts and the cycles of its completions (trace log).
  std::vector<std::vector<uint64_t>> log;
  uint64_t refusals = 0;  // the sink found the FIFO full
  // Per unit with a fire callback: the firing cycle it read at each token it took.
  std::vector<std::vector<uint64_t>> fired;
};

// A random chain: units whose latency depends on the token (as attention's does on the position),
// some of them reading a memo of their timing by position (as attention's units do), and units
// with one timing for every token; some fire a callback when they take a token.
struct Chain {
  std::vector<std::unique_ptr<PipelineUnit>> units;
  std::vector<uint32_t> stages;
  std::deque<std::vector<arch::UnitTiming>> memos;  // by position, for memo_by_position
  std::vector<std::vector<uint64_t>> fired;  // per unit: Pipeline::firing_cycle() at each fire
  const Pipeline* pipeline = nullptr;
};

void make_units(uint64_t seed, Chain& chain) {
  std::mt19937_64 rng(seed);
  const int n = 3 + static_cast<int>(rng() % 10);
  chain.fired.resize(n);
  uint32_t stage = 0;
  for (int i = 0; i < n; ++i) {
    const uint64_t lat = 1 + rng() % 9, ivl = 1 + rng() % 4, grow = rng() % 3;
    const arch::UnitTiming worst{lat + grow * 20, ivl + grow * 20};
    PipelineUnit::FireFn fire;
    if (rng() % 3 == 0) {
      fire = [&chain, i](const TokenTag&) {
        chain.fired[i].push_back(chain.pipeline->firing_cycle());
      };
    }
    const auto timing = [lat, ivl, grow](const TokenTag& t) {
      return arch::UnitTiming{lat + grow * (t.pos % 20), ivl + grow * (t.pos % 20)};
    };
    const uint64_t kind = rng() % 3;
    if (grow == 0 && kind == 0) {
      chain.units.push_back(
          std::make_unique<PipelineUnit>(fmt::format("u{}", i), worst, std::move(fire)));
    } else {
      chain.units.push_back(std::make_unique<PipelineUnit>(
          fmt::format("u{}", i), pipeline_depth(worst), timing, std::move(fire)));
    }
    if (kind == 1) {
      // A memo of the first positions, some of them not known yet (latency 0): those and the
      // positions beyond it come from the TimingFn.
      std::vector<arch::UnitTiming>& memo = chain.memos.emplace_back(25);
      for (uint32_t pos = 0; pos < memo.size(); ++pos) {
        if (pos % 4 != 3) memo[pos] = timing(TokenTag{0, pos, 0, false});
      }
      chain.units.back()->memo_by_position(&memo);
    }
    if (i > 0 && rng() % 3 == 0) ++stage;
    chain.stages.push_back(stage);
  }
}

// `logged`: the units append to trace logs (traced runs) or not.
Recording simulate(uint64_t seed, Pipeline::Mode mode, bool logged = true) {
  Chain chain;
  make_units(seed, chain);
  const auto& units = chain.units;
  Pipeline pipeline(mode);
  chain.pipeline = &pipeline;
  for (size_t i = 0; i < units.size(); ++i) pipeline.add(units[i].get(), chain.stages[i]);
  std::vector<UnitLog> logs(units.size());
  // The token FIFO: entries become visible to the host at the cycle the sink took them.
  const size_t depth = 1 + seed % 3;
  std::deque<uint64_t> fifo;
  Recording run;
  pipeline.finish(
      [&](const TokenTag& tag, uint64_t c) {
        if (fifo.size() >= depth) {  // no room before the host's next read
          ++run.refusals;
          return false;
        }
        fifo.push_back(c);
        run.out.push_back({c, tag.seq, tag.pos});
        return true;
      },
      {});
  if (logged) pipeline.set_logs(logs);
  const uint32_t tokens = 40;
  uint32_t sent = 0, read = 0;
  for (uint64_t c = 0; c < 20000 && read < tokens; ++c) {
    if (mode == Pipeline::Mode::Lockstep) {
      pipeline.step_lockstep(c);
    } else if (mode == Pipeline::Mode::Calendar && pipeline.next_wake() <= c) {
      pipeline.step_scheduled(c);
    }
    if (mode != Pipeline::Mode::Flow) {
      std::vector<uint8_t> b;
      for (size_t i = 0; i < pipeline.size(); ++i) b.push_back(pipeline.unit(i).busy());
      run.busy.push_back(std::move(b));
    }
    // The host, after the chip's evaluation of cycle c: reads one visible entry on some cycles
    // (the sink may take again from c + 1), and writes a token when the input register is free.
    if (!fifo.empty() && fifo.front() <= c && ((c * 7919) ^ seed) % 3 == 0) {
      fifo.pop_front();
      ++read;
      pipeline.take_output_again(c + 1);
    }
    if (sent < tokens && pipeline.input_free_at() <= c) {
      run.in.push_back({c, sent % 3, sent});
      pipeline.write_input({sent % 3, sent, 0, false}, c, 1 + seed % 2);
      ++sent;
    }
  }
  uint64_t end = 0;
  for (const Event& e : run.out) end = std::max(end, e.cycle + 1);
  for (size_t i = 0; i < pipeline.size(); ++i) {
    run.busy_cycles.push_back(pipeline.unit(i).busy_cycles(end));
    run.tokens.push_back(pipeline.unit(i).tokens());
    const PipelineUnit& unit = pipeline.unit(i);
    EXPECT_LE(unit.stalled_cycles(), unit.busy_cycles(end));
    run.stalls.push_back(unit.stalled_cycles());
    run.stalls.push_back(unit.longest_stall());
    run.held_several.push_back(unit.held_several());
    // The unit's own tracking is the log's definition (scanned from the lists).
    if (logged) {
      EXPECT_EQ(unit.held_several(), logs[i].held_several()) << "unit " << i;
    }
    std::vector<uint64_t> flat;
    for (const UnitLog::Accept& a : logs[i].accepts) {
      flat.insert(flat.end(), {a.cycle, a.done, a.seq, a.pos});
    }
    flat.push_back(UINT64_MAX);
    flat.insert(flat.end(), logs[i].completes.begin(), logs[i].completes.end());
    EXPECT_EQ(logs[i].accepts.size(), logged ? 40u : 0u);
    EXPECT_EQ(logs[i].completes.size(), logged ? 40u : 0u);
    EXPECT_TRUE(std::is_sorted(logs[i].completes.begin(), logs[i].completes.end()));
    run.log.push_back(std::move(flat));
  }
  for (uint32_t s = 0; s < pipeline.stage_count(); ++s)
    run.busy_cycles.push_back(pipeline.stage_busy_cycles(s, end));
  run.fired = std::move(chain.fired);
  return run;
}

// What a run must reproduce of the lockstep reference whatever its clocking: tokens in and out,
// busy cycles, tokens per unit, stalls, fire callbacks; with `logged`, the trace logs too (an
// untraced run has none).
void expect_same_run(const Recording& got, const Recording& want, bool logged) {
  EXPECT_EQ(got.in, want.in);
  EXPECT_EQ(got.out, want.out);
  EXPECT_EQ(got.busy_cycles, want.busy_cycles);
  EXPECT_EQ(got.tokens, want.tokens);
  // The stall counts (and the trace log) are the same whether the units run ahead or not.
  EXPECT_EQ(got.stalls, want.stalls);
  EXPECT_EQ(got.held_several, want.held_several);
  EXPECT_EQ(got.fired, want.fired);
  if (logged) {
    EXPECT_EQ(got.log, want.log);
  }
}

TEST(Pipeline, CalendarMatchesLockstepEveryCycle) {
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    SCOPED_TRACE(fmt::format("seed {}", seed));
    const Recording reference = simulate(seed, Pipeline::Mode::Lockstep);
    const Recording calendar = simulate(seed, Pipeline::Mode::Calendar);
    ASSERT_EQ(reference.out.size(), 40u);
    expect_same_run(calendar, reference, true);
    EXPECT_EQ(calendar.busy, reference.busy);  // sampled every cycle
  }
}

TEST(Pipeline, FlowMatchesLockstep) {
  uint64_t refused = 0, stalled = 0, fires = 0, several = 0, one = 0;
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    SCOPED_TRACE(fmt::format("seed {}", seed));
    const Recording reference = simulate(seed, Pipeline::Mode::Lockstep);
    ASSERT_EQ(reference.out.size(), 40u);
    const Recording flow = simulate(seed, Pipeline::Mode::Flow);
    expect_same_run(flow, reference, true);
    // Untraced runs (no logs) take the same cycles.
    expect_same_run(simulate(seed, Pipeline::Mode::Flow, false), reference, false);
    for (const std::vector<uint64_t>& cycles : reference.fired) fires += cycles.size();
    stalled += reference.stalls[0] + reference.stalls[2];
    refused += flow.refusals > 0;
    for (size_t i = 0; i < reference.held_several.size(); ++i) {
      ++(reference.held_several[i] != 0 ? several : one);
    }
  }
  EXPECT_GT(several, 100u);  // units holding two tokens at once, and units never doing so
  EXPECT_GT(refused, 50u);   // many runs exercise a full FIFO, not only free flow
  EXPECT_GT(stalled, 0u);    // and backpressure inside the pipeline
  EXPECT_GT(fires, 0u);      // and fire callbacks reading the firing cycle
  EXPECT_GT(one, 100u);
}

TEST(Pipeline, OneTokenTakesEveryLatencyPlusOneCyclePerRegister) {
  std::vector<std::unique_ptr<PipelineUnit>> units;
  Pipeline pipeline(Pipeline::Mode::Calendar);
  const uint64_t latencies[] = {3, 1, 7, 2};
  for (uint64_t l : latencies) {
    units.push_back(std::make_unique<PipelineUnit>("u", 1, [l](const TokenTag&) {
      return arch::UnitTiming{l, 1};
    }));
    pipeline.add(units.back().get(), 0);
  }
  uint64_t arrived = kNever;
  pipeline.finish(
      [&](const TokenTag&, uint64_t c) {
        arrived = c;
        return true;
      },
      {});
  pipeline.write_input({}, 10, 2);  // ready at cycle 12
  for (uint64_t c = 10; arrived == kNever && c < 100; ++c) {
    if (pipeline.next_wake() <= c) pipeline.step_scheduled(c);
  }
  EXPECT_EQ(arrived, 12u + (3 + 1 + 7 + 2) + 4);
}

TEST(Pipeline, IntervalThrottlesAndFullOutputStalls) {
  std::vector<std::unique_ptr<PipelineUnit>> units;
  units.push_back(std::make_unique<PipelineUnit>("slow", 2, [](const TokenTag&) {
    return arch::UnitTiming{6, 5};
  }));
  Pipeline pipeline(Pipeline::Mode::Calendar);
  pipeline.add(units[0].get(), 0);
  std::vector<uint64_t> arrivals;
  bool input_free = true;
  pipeline.finish(
      [&](const TokenTag&, uint64_t c) {
        arrivals.push_back(c);
        return true;
      },
      [&](uint64_t) { input_free = true; });
  for (uint64_t c = 0; arrivals.size() < 3 && c < 100; ++c) {
    if (pipeline.next_wake() <= c) pipeline.step_scheduled(c);
    if (input_free) {
      input_free = false;
      pipeline.write_input({}, c, 1);
    }
  }
  // Accepted at 1, 6, 11 (interval 5); valid at +6; the sink takes one cycle later.
  EXPECT_EQ(arrivals, (std::vector<uint64_t>{8, 13, 18}));
}

TEST(Pipeline, RejectsMisuse) {
  PipelineUnit unit("u", 1, [](const TokenTag&) { return arch::UnitTiming{1, 1}; });
  Pipeline pipeline(Pipeline::Mode::Calendar);
  EXPECT_THROW(pipeline.add(&unit, 1), std::logic_error);  // stages start at 0
  pipeline.add(&unit, 0);
  pipeline.finish([](const TokenTag&, uint64_t) { return true; }, {});
  EXPECT_THROW(pipeline.write_input({}, 0, 0), std::logic_error);  // seen a cycle later at least
  pipeline.write_input({}, 0, 1);
  EXPECT_THROW(pipeline.write_input({}, 0, 1), std::logic_error);  // register full
}

}  // namespace
}  // namespace etchsim::chip
