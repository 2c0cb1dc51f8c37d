// The pipeline engine on its own (no SystemC): a chain of units with random latencies and
// intervals, a sink that refuses tokens at random (backpressure), tokens written whenever the
// input register is free. Lockstep (every unit every cycle) is the reference; skip (wake
// calendar) must reach the same state at every cycle and the same results.
#include <fmt/format.h>
#include <gtest/gtest.h>

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
  std::vector<std::vector<uint8_t>> busy;  // per cycle, per unit
  std::vector<uint64_t> busy_cycles;
};

// Units whose latency depends on the token (as attention's does on the position).
std::vector<std::unique_ptr<PipelineUnit>> make_units(uint64_t seed,
                                                      std::vector<uint32_t>& stages) {
  std::mt19937_64 rng(seed);
  std::vector<std::unique_ptr<PipelineUnit>> units;
  const int n = 3 + static_cast<int>(rng() % 10);
  uint32_t stage = 0;
  for (int i = 0; i < n; ++i) {
    const uint64_t lat = 1 + rng() % 9, ivl = 1 + rng() % 4, grow = rng() % 3;
    const arch::UnitTiming worst{lat + grow * 20, ivl + grow * 20};
    units.push_back(std::make_unique<PipelineUnit>(
        fmt::format("u{}", i), pipeline_depth(worst), [lat, ivl, grow](const TokenTag& t) {
          return arch::UnitTiming{lat + grow * (t.pos % 20), ivl + grow * (t.pos % 20)};
        }));
    if (i > 0 && rng() % 3 == 0) ++stage;
    stages.push_back(stage);
  }
  return units;
}

enum class Drive { Lockstep, Skip, SkipAhead };

Recording simulate(uint64_t seed, Drive drive, bool sink_refuses = true) {
  const bool lockstep = drive == Drive::Lockstep;
  std::vector<uint32_t> stages;
  auto units = make_units(seed, stages);
  Pipeline pipeline(!lockstep);
  for (size_t i = 0; i < units.size(); ++i) pipeline.add(units[i].get(), stages[i]);
  // The sink is full on a fixed, seed-dependent set of cycles; skip mode retries next cycle.
  auto full = [seed](uint64_t c) { return ((c * 2654435761u) ^ seed) % 4 == 0; };
  Recording run;
  bool input_free = true;
  pipeline.finish(
      [&](const TokenTag& tag, uint64_t c) {
        if (sink_refuses && full(c)) {
          pipeline.take_output_again(c + 1);
          return false;
        }
        run.out.push_back({c, tag.seq, tag.pos});
        return true;
      },
      [&](uint64_t) { input_free = true; });
  const uint32_t tokens = 40;
  uint32_t sent = 0;
  // Run until the last token is out and visible (the sink may have run ahead of c).
  for (uint64_t c = 0; c < 20000 && (run.out.size() < tokens || c <= run.out.back().cycle); ++c) {
    if (lockstep) {
      pipeline.step_lockstep(c);
    } else if (pipeline.next_wake() <= c) {
      pipeline.step_scheduled(c);
    }
    if (input_free && sent < tokens) {
      input_free = false;
      pipeline.write_input({sent % 3, sent, 0, false}, c, 2);
      ++sent;
    }
    // The host acted at c (it writes with a delay of 2 cycles); whatever it cannot change any
    // more may run ahead. Busy states are then recorded below for cycles the run-ahead already
    // passed, so the recording reads the units' busy intervals afterwards instead.
    // The host reads the token FIFO now and then: the sink is woken the next cycle, whatever it
    // had scheduled (a lost wake here once hung multi-user runs).
    if (!lockstep && ((c * 7919) ^ seed) % 5 == 0) pipeline.take_output_again(c + 1);
    if (drive == Drive::SkipAhead) pipeline.run_ahead(c, 2, !sink_refuses);
    if (drive != Drive::SkipAhead) {
      std::vector<uint8_t> b;
      for (size_t i = 0; i < pipeline.size(); ++i) b.push_back(pipeline.unit(i).busy());
      run.busy.push_back(std::move(b));
    }
  }
  uint64_t end = 0;
  for (const Event& e : run.out) end = std::max(end, e.cycle + 1);
  for (size_t i = 0; i < pipeline.size(); ++i)
    run.busy_cycles.push_back(pipeline.unit(i).busy_cycles(end));
  return run;
}

TEST(Pipeline, SkipMatchesLockstepEveryCycle) {
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    const Recording reference = simulate(seed, Drive::Lockstep);
    const Recording skip = simulate(seed, Drive::Skip);
    ASSERT_EQ(reference.out.size(), 40u) << "seed " << seed;
    EXPECT_EQ(skip.out, reference.out) << "seed " << seed;
    EXPECT_EQ(skip.busy, reference.busy) << "seed " << seed;
    EXPECT_EQ(skip.busy_cycles, reference.busy_cycles) << "seed " << seed;
  }
}

TEST(Pipeline, RunningAheadChangesNothing) {
  for (const bool sink_refuses : {true, false}) {
    for (uint64_t seed = 1; seed <= 60; ++seed) {
      const Recording reference = simulate(seed, Drive::Lockstep, sink_refuses);
      const Recording ahead = simulate(seed, Drive::SkipAhead, sink_refuses);
      ASSERT_EQ(reference.out.size(), 40u) << "seed " << seed;
      EXPECT_EQ(ahead.out, reference.out) << "seed " << seed << ", sink refuses " << sink_refuses;
      EXPECT_EQ(ahead.busy_cycles, reference.busy_cycles) << "seed " << seed;
    }
  }
}

TEST(Pipeline, OneTokenTakesEveryLatencyPlusOneCyclePerRegister) {
  std::vector<std::unique_ptr<PipelineUnit>> units;
  Pipeline pipeline(true);
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
  Pipeline pipeline(true);
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
  Pipeline pipeline(true);
  EXPECT_THROW(pipeline.add(&unit, 1), std::logic_error);  // stages start at 0
  pipeline.add(&unit, 0);
  pipeline.finish([](const TokenTag&, uint64_t) { return true; }, {});
  EXPECT_THROW(pipeline.write_input({}, 0, 0), std::logic_error);  // seen a cycle later at least
  pipeline.write_input({}, 0, 1);
  EXPECT_THROW(pipeline.write_input({}, 0, 1), std::logic_error);  // register full
}

}  // namespace
}  // namespace etchsim::chip
