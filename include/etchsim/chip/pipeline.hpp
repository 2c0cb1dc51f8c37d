// The chip's units chained through pipeline registers, and the three ways of running them
// (docs/design.md "timing contract"), which give the same cycle for every change:
//  * lockstep: step_lockstep(c) is called for every cycle c and evaluates every unit of every
//    stage that holds a token (a stage without tokens has no state that could change);
//  * calendar: step_scheduled(c) is called only for cycles returned by next_wake() and evaluates
//    only the units due then, from a wake calendar;
//  * flow: no clock at all. Every host action (write_input, take_output_again) advances each
//    unit as far as the recorded cycles allow: a unit's next change depends only on its own
//    state, its input register's ready cycle and the cycle its consumer last emptied its output
//    register, so the changes are computed in dependency order (token by token, unit by unit),
//    ahead of SystemC time, each with its exact cycle. Only the sink can hold a token back on
//    something the future decides (a full token FIFO waits for a host read); everything behind it
//    waits for that read.
// Lockstep and calendar evaluate units from the last to the first within a cycle, so a register
// taken by its consumer is refilled by its producer in the same cycle; flow follows the same rule
// through the registers' taken_at cycles.
//
// Register i is unit i's input; register n (n = units) is the output, emptied by the sink.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <vector>

#include "etchsim/chip/cycle_fifo.hpp"
#include "etchsim/chip/pipeline_register.hpp"
#include "etchsim/chip/pipeline_unit.hpp"

namespace etchsim::chip {

class Pipeline {
 public:
  // Takes the token leaving the last unit at `cycle`; false when it has no room (the last unit
  // stalls until take_output_again() is called). In flow mode `cycle` may be ahead of SystemC
  // time, and a refusal means no room before the host's next read.
  using SinkFn = std::function<bool(const TokenTag&, uint64_t cycle)>;
  // Called when the input register empties at `cycle` (the host may write the next token); in
  // flow mode `cycle` may be ahead of SystemC time.
  using InputFreeFn = std::function<void(uint64_t cycle)>;

  enum class Mode { Lockstep, Calendar, Flow };
  explicit Pipeline(Mode mode) : m_mode(mode) {}
  Mode mode() const { return m_mode; }
  // Switches to another mode; only before the first token.
  void set_mode(Mode mode);

  // Appends a unit to the chain; `stage` groups units for lockstep gating and busy statistics
  // (stages must be added in order: 0, 0, ..., 1, 1, ...).
  void add(PipelineUnit* unit, uint32_t stage);
  // Wires the registers; call once after the last add().
  void finish(SinkFn sink, InputFreeFn input_free);

  size_t size() const { return m_units.size(); }
  uint32_t stage_count() const { return static_cast<uint32_t>(m_stage_first.size()); }
  const PipelineUnit& unit(size_t i) const { return *m_units[i]; }
  const PipelineRegister& input() const { return m_regs.front(); }
  // The cycle from which the input register is empty; kNever while it holds a token (in flow
  // mode: a token whose taking is not decided yet).
  uint64_t input_free_at() const { return m_regs.front().valid ? kNever : m_regs.front().taken_at; }
  // Tokens inside the pipeline (registers and units); in flow mode, tokens the sink has not
  // taken yet (those it took ahead of SystemC time are the chip's to count).
  uint64_t tokens_inside() const { return m_inside; }
  // The cycle of the accept whose fire callback is running (for callbacks that record time).
  uint64_t firing_cycle() const { return m_firing_cycle; }

  // The host writes the input register at `cycle` (it must be empty); the first unit may take
  // it from cycle + delay.
  void write_input(const TokenTag& tag, uint64_t cycle, uint64_t delay);
  // The sink has room again (the host read an entry) at `cycle`.
  void take_output_again(uint64_t cycle);

  void step_lockstep(uint64_t cycle);
  void step_scheduled(uint64_t cycle);
  // The earliest cycle with a unit due in the calendar (calendar mode), kNever when idle.
  uint64_t next_wake() const;

  // Cycles during which at least one unit of the stage held a token, up to `now`.
  uint64_t stage_busy_cycles(uint32_t stage, uint64_t now) const;
  // Traced runs: unit i appends to units[i] (its size must be size()).
  void set_logs(std::vector<UnitLog>& units);

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
  // Flow mode: a token leaves stage `from` for stage `to` at `cycle` (both of the above, inline).
  void flow_stage_cross(uint32_t from, uint32_t to, uint64_t cycle);
  // Flow mode: advances units from `from` on (and the sink) until nothing can change.
  void flow(uint32_t from);
  bool flow_sink();

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
  std::vector<uint64_t> m_last_step;  // per unit and sink: last cycle evaluated by the calendar
  std::vector<uint32_t> m_hot_bytes;  // per unit: PipelineUnit::hot_bytes() (flow's prefetch)
  // Flow mode: per stage, the cycles its tokens entered (oldest first) and the last leave; busy
  // cycles are the union of the tokens' [enter, leave) intervals.
  std::vector<CycleFifo> m_stage_enter;
  std::vector<uint64_t> m_stage_last_leave;
  bool m_sink_blocked = false;  // flow mode: the sink refused; it retries from m_sink_retry
  uint64_t m_sink_retry = 0;
  SinkFn m_sink;
  InputFreeFn m_input_free;
  uint64_t m_inside = 0;
  uint64_t m_firing_cycle = 0;
  Mode m_mode;
};

}  // namespace etchsim::chip
