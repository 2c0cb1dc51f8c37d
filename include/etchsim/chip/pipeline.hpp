// The chip's units chained through pipeline registers, and the two ways of running them
// (docs/design.md "timing contract"):
//  * lockstep: step_lockstep(c) is called for every cycle c and evaluates every unit of every
//    stage that holds a token (a stage without tokens has no state that could change);
//  * skip: step_scheduled(c) is called only for cycles returned by next_wake() and evaluates
//    only the units due then, from a wake calendar.
// Both evaluate units from the last to the first within a cycle, so a register taken by its
// consumer is refilled by its producer in the same cycle; both give the same state every cycle.
//
// Register i is unit i's input; register n (n = units) is the output, emptied by the sink.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <vector>

#include "etchsim/chip/pipeline_register.hpp"
#include "etchsim/chip/pipeline_unit.hpp"

namespace etchsim::chip {

class Pipeline {
 public:
  // Takes the token leaving the last unit at `cycle`; false when it has no room (the last unit
  // stalls until take_output_again() is called).
  using SinkFn = std::function<bool(const TokenTag&, uint64_t cycle)>;
  // Called when the input register empties at `cycle` (the host may write the next token).
  using InputFreeFn = std::function<void(uint64_t cycle)>;

  // `calendar`: skip mode keeps the wake calendar; lockstep needs none.
  explicit Pipeline(bool calendar) : m_use_calendar(calendar) {}

  // Appends a unit to the chain; `stage` groups units for lockstep gating and busy statistics
  // (stages must be added in order: 0, 0, ..., 1, 1, ...).
  void add(PipelineUnit* unit, uint32_t stage);
  // Wires the registers; call once after the last add().
  void finish(SinkFn sink, InputFreeFn input_free);

  size_t size() const { return m_units.size(); }
  uint32_t stage_count() const { return static_cast<uint32_t>(m_stage_first.size()); }
  const PipelineUnit& unit(size_t i) const { return *m_units[i]; }
  const PipelineRegister& input() const { return m_regs.front(); }
  // Tokens inside the pipeline (registers and units).
  uint64_t tokens_inside() const { return m_inside; }

  // The host writes the input register at `cycle` (it must be empty); the first unit may take
  // it from cycle + delay.
  void write_input(const TokenTag& tag, uint64_t cycle, uint64_t delay);
  // The sink has room again (the host read an entry) at `cycle`.
  void take_output_again(uint64_t cycle);

  void step_lockstep(uint64_t cycle);
  void step_scheduled(uint64_t cycle);
  // Skip mode, between host actions: evaluates, ahead of `now`, every calendar entry that no
  // host action at or after `now` can change, in calendar order, stopping at the first that one
  // could. A host write at t >= now reaches unit j's input no sooner than
  // t + input_delay + sum over i < j of (min latency of unit i + 1), so unit j's entries before
  // now + input_delay + that sum are safe; the first unit's entries are never (its accept frees
  // the input register, which the host sees); the sink's only when `sink_takes_all` says it
  // cannot refuse a token before the host reads (then host reads change nothing it does).
  void run_ahead(uint64_t now, uint64_t input_delay, bool sink_takes_all);
  // The earliest cycle with a unit due in the calendar (skip mode), kNever when idle.
  uint64_t next_wake() const;

  // Cycles during which at least one unit of the stage held a token, up to `now`.
  uint64_t stage_busy_cycles(uint32_t stage, uint64_t now) const;
  // Freezes (false) or resumes (true) every unit's trace state.
  void set_trace_live(bool live);

 private:
  struct Wake {
    uint64_t cycle;
    uint32_t index;  // units by index; size() is the sink
    // priority_queue pops the greatest: earliest cycle first, then the highest index.
    bool operator<(const Wake& other) const {
      return cycle != other.cycle ? cycle > other.cycle : index < other.index;
    }
  };
  void schedule(uint32_t index, uint64_t cycle);
  void evaluate(uint32_t index, uint64_t cycle, bool scheduled);
  bool step_sink(uint64_t cycle);
  void stage_token_enters(uint32_t stage, uint64_t cycle);
  void stage_token_leaves(uint32_t stage, uint64_t cycle);

  std::vector<PipelineUnit*> m_units;
  std::vector<uint32_t> m_stage_of;      // per unit
  std::vector<uint32_t> m_stage_first;   // first unit of each stage
  std::vector<uint32_t> m_stage_tokens;  // tokens in the stage's units and input registers
  std::vector<uint64_t> m_stage_busy_since;
  std::vector<uint64_t> m_stage_busy_total;
  std::vector<PipelineRegister> m_regs;
  // Holds at most one live wake per unit and sink, its m_due; an entry whose cycle differs from
  // m_due was superseded by an earlier wake and is dropped when popped.
  std::priority_queue<Wake> m_calendar;
  // Per unit and sink: the cycle of its live calendar entry, kNever without one. A wake at or
  // after m_due is not pushed: evaluating the unit at m_due reschedules it at its next_wake(),
  // which accounts for everything that happened up to then.
  std::vector<uint64_t> m_due;
  std::vector<uint64_t> m_reach;  // per unit and sink: sum of (min latency + 1) of the units before
  std::vector<uint64_t> m_last_step;  // per unit and sink: last cycle evaluated by the calendar
  SinkFn m_sink;
  InputFreeFn m_input_free;
  uint64_t m_inside = 0;
  bool m_use_calendar;
};

}  // namespace etchsim::chip
