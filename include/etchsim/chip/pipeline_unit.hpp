// One unit of the chip (a norm, a matvec, attention, ...) as a cycle-level state machine
// (docs/design.md, timing contract). A unit takes a token from its input register when the token is
// ready, its initiation interval has passed since the last token and its internal pipeline has
// room; the result is valid `latency` cycles later and moves into the output register as soon as
// that register is empty (a full output register stalls the unit: backpressure). The unit's
// arithmetic, when there is any, runs in bulk at the cycle the unit takes the token.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "etchsim/arch/timing.hpp"
#include "etchsim/chip/pipeline_register.hpp"
#include "etchsim/chip/trace_log.hpp"

namespace etchsim::chip {

inline constexpr uint64_t kNever = UINT64_MAX;

// Aligned to a cache line: flow mode reads its hot state as whole lines (hot_bytes()).
class alignas(64) PipelineUnit {
 public:
  using TimingFn = std::function<arch::UnitTiming(const TokenTag&)>;
  using FireFn = std::function<void(const TokenTag&)>;

  // `depth`: tokens the unit's internal pipeline holds at once, ceil(latency / interval).
  // `timing` is asked for every token the unit takes (its timing may depend on the token); its
  // latency for position 0 must be its smallest (attention's grows with the position).
  PipelineUnit(std::string name, uint32_t depth, TimingFn timing, FireFn fire = {});
  // A unit whose timing is the same for every token (depth: pipeline_depth(timing)); cheaper
  // per token than a TimingFn.
  PipelineUnit(std::string name, const arch::UnitTiming& timing, FireFn fire = {});
  PipelineUnit(const PipelineUnit&) = delete;  // registers and m_slots point into it
  PipelineUnit& operator=(const PipelineUnit&) = delete;

  void connect(PipelineRegister* in, PipelineRegister* out);
  // While *gate is false the unit takes `otherwise` as every token's timing and does not fire:
  // for callbacks that cannot matter then (a LoRA path while no sequence has an adapter); it
  // saves two calls per token.
  void gate_callbacks(const bool* gate, const arch::UnitTiming& otherwise);
  // A unit whose TimingFn depends on the token's position only (attention) and memoises it in
  // `known` (indexed by position; latency 0: not known yet): the unit reads a known entry itself
  // instead of calling the TimingFn.
  void memo_by_position(const std::vector<arch::UnitTiming>* known) { m_by_position = known; }

  // Results of one evaluation at a cycle, as bits.
  static constexpr uint8_t kCompleted = 1;  // a result moved into the output register
  static constexpr uint8_t kAccepted = 2;   // a token was taken from the input register
  // Evaluates the unit at `cycle` (completes first, then accepts). Evaluating twice in a cycle,
  // or at a cycle where nothing is due, changes nothing.
  uint8_t step(uint64_t cycle);
  // The next cycle after `cycle` at which step() can change something without a neighbour
  // acting first; kNever when only a neighbour can unblock it.
  uint64_t next_wake(uint64_t cycle) const;
  // What next_wake() becomes when a neighbour acts, for a wake calendar: the first cycle from
  // `cycle` at which a result can complete now that the output register was emptied at `cycle`,
  // and the first cycle at which the unit can take the token written into its input register
  // with `ready_at` (kNever: the unit's own pending wake, its completion, comes first).
  uint64_t wake_after_output_taken(uint64_t cycle) const {
    return m_count > 0 ? std::max(m_slots[m_head].done, cycle) : kNever;
  }
  uint64_t wake_after_input_filled(uint64_t ready_at) const {
    return m_count < m_depth ? std::max(m_next_accept, ready_at) : kNever;
  }

  // Flow evaluation (Pipeline's flow mode): the rules of step(), with the cycle of each change
  // computed from the cycles the registers and the unit recorded instead of given. A token is
  // taken at max(its register's ready_at, the unit's next accept, the cycle the oldest of the
  // last `depth` tokens left: a free pipeline slot) and handed on at max(its latency's end, the
  // cycle the consumer emptied the output register). Each returns false when it cannot act
  // before a neighbour does; otherwise `at` holds the cycle (flow_accept sets it before the unit
  // fires, so a fire callback can read it).
  bool flow_complete(uint64_t& at) { return m_count > 0 && !m_out->valid && complete_now(at); }
  bool flow_accept(uint64_t& at) { return m_in->valid && m_count < m_depth && accept_now(at); }
  // Flow mode's common case, flow_accept then flow_complete in one step: the unit holds no token
  // and its output register is empty, so the token waiting at its input (ready at `ready`, with
  // `tag`; the caller has emptied the input register) is taken and handed on in this visit. The
  // caller keeps the token's cycle and tag in registers from unit to unit instead of storing them
  // into the output register and loading them back at the next unit (that round trip through
  // memory was most of a visit's time). Sets `accepted` (the take's cycle, also before the unit
  // fires: `firing`) and returns the cycle the result moves into the output register; the caller
  // writes that register (valid, ready_at = the returned cycle + 1, tag) unless its consumer
  // takes the token at once.
  bool can_flow_through() const { return m_count == 0 && !m_out->valid; }
  uint64_t flow_through(uint64_t ready, const TokenTag& tag, uint64_t& accepted, uint64_t& firing);
  // Flow mode's cache hint: the bytes from the unit's address a visit reads (its state, and its
  // slots' free cycles when they are inside).
  size_t hot_bytes() const {
    const auto state = static_cast<size_t>(reinterpret_cast<const char*>(m_inline_freed) -
                                           reinterpret_cast<const char*>(this));
    return state + (m_depth <= kInlineSlots ? m_depth * sizeof(uint64_t) : 0);
  }

  const std::string& name() const { return m_name; }
  // The smallest latency of any token: how soon a token taken now can be handed on.
  uint64_t min_latency() const { return m_min_latency; }
  bool busy() const { return m_count > 0; }
  bool input_waiting() const { return m_in->valid; }  // a token waits in the input register
  uint32_t capacity() const { return m_depth; }
  uint64_t busy_cycles(uint64_t now) const;  // cycles with a token inside, up to `now`
  // Of those, the cycles the oldest token's result was ready but the output register was full
  // (backpressure), counted when the result leaves; and the longest such wait. A token's wait
  // starts when it is the oldest inside and its result is ready.
  uint64_t stalled_cycles() const { return m_stalled_total; }
  uint64_t longest_stall() const { return m_longest_stall; }
  uint64_t tokens() const { return m_tokens; }
  // Whether it ever held two tokens at once (at the end of a cycle): a token taken before the
  // previous one was handed on, or two inside now. Tracked from the unit's own state as the run
  // goes, in every clocking; UnitLog::held_several is the same from a traced run's lists.
  bool held_several() const { return m_held_several || m_count >= 2; }
  // Traced runs: every token taken and handed on is appended to `log` (nullptr: none).
  void set_log(UnitLog* log) {
    m_log = log;
    init_flags();
  }

 private:
  // A token inside. The cycle each slot's previous token left (flow mode) is kept apart, in
  // m_freed: a token that passes an empty unit reads only that.
  struct InFlight {
    TokenTag tag;
    uint64_t done = 0;
    uint64_t accepted = 0;  // flow mode: the cycle the token was taken
  };
  void init_flags();
  void note_stall(uint64_t cycles) {
    m_stalled_total += cycles;
    m_longest_stall = std::max(m_longest_stall, cycles);
  }
  bool complete_now(uint64_t& at);  // flow_complete once it can act
  bool accept_now(uint64_t& at);    // flow_accept once it can act
  // m_timing (or its memo), checked.
  arch::UnitTiming token_timing(const TokenTag& tag) const {
    if (m_by_position != nullptr && tag.pos < m_by_position->size()) {
      const arch::UnitTiming& known = (*m_by_position)[tag.pos];
      if (known.latency != 0 && known.interval != 0) return known;
    }
    return call_timing(tag);
  }
  arch::UnitTiming call_timing(const TokenTag& tag) const;  // m_timing, checked
  // A token's timing: its own (m_timing) when callbacks run, else the fixed one, checked.
  arch::UnitTiming timing_of(const TokenTag& tag, bool callbacks) const {
    if (m_has_timing && callbacks) return token_timing(tag);
    if (m_fixed.latency == 0 || m_fixed.interval == 0) check_timing(m_fixed);
    return m_fixed;
  }
  void check_timing(const arch::UnitTiming& t) const;  // throws for a zero cycle count

  // The state every token touches, in the first three cache lines (every token visits every
  // unit): the first two lines, then the slots' free cycles.
  PipelineRegister* m_in = nullptr;
  PipelineRegister* m_out = nullptr;
  InFlight* m_slots = nullptr;  // m_inline or m_ring
  uint64_t* m_freed = nullptr;  // per slot: the cycle its previous token left (m_inline_freed or
                                // m_freed_ring)
  uint32_t m_depth = 1;         // slots
  uint32_t m_head = 0;
  uint32_t m_count = 0;  // m_count entries from m_head, oldest first
  bool m_has_timing = false;
  bool m_has_fire = false;
  // No TimingFn, fire, gate or log, and a valid fixed timing: flow_through's short path.
  bool m_plain = false;
  const bool* m_gate = nullptr;  // gate_callbacks
  UnitLog* m_log = nullptr;      // set_log
  uint64_t m_next_accept = 0;
  uint64_t m_busy_total = 0;
  uint64_t m_stalled_total = 0;
  uint64_t m_longest_stall = 0;
  uint64_t m_last_done = 0;     // the cycle the last token left
  bool m_held_several = false;  // see held_several
  uint64_t m_tokens = 0;
  arch::UnitTiming m_fixed;  // used when m_timing is empty
  // A unit's slots live inside it up to this depth (most units), so one visit's memory is one
  // run of cache lines; deeper units use m_ring and m_freed_ring.
  static constexpr uint32_t kInlineSlots = 8;
  uint64_t m_inline_freed[kInlineSlots] = {};
  uint64_t m_busy_since = 0;
  const std::vector<arch::UnitTiming>* m_by_position = nullptr;  // memo_by_position
  InFlight m_inline[kInlineSlots];
  TimingFn m_timing;
  FireFn m_fire;
  std::vector<InFlight> m_ring;
  std::vector<uint64_t> m_freed_ring;
  std::string m_name;
  uint64_t m_min_latency = 0;
};

// Tags are copied whole (16 bytes, padding included): a member-wise copy stores 13 bytes in two
// overlapping moves, and the next unit's 16-byte load of them then waits for the stores to
// retire instead of forwarding them (this alone cost about a third of flow mode's time).
inline void copy_tag(TokenTag& to, const TokenTag& from) {
  std::memcpy(static_cast<void*>(&to), &from, sizeof(TokenTag));
}

// Flow mode runs these once per unit and token: inline.
inline bool PipelineUnit::complete_now(uint64_t& at) {
  InFlight& head = m_slots[m_head];
  // The consumer is evaluated first within a cycle: it may empty the register in the very cycle
  // this unit refills it.
  at = std::max(head.done, m_out->taken_at);
  // The next token inside, if any, was taken before this one left: decided now (flow mode may
  // take it before this one's hand-on is known).
  if (m_count > 1) m_held_several |= at > m_slots[m_head + 1 == m_depth ? 0 : m_head + 1].accepted;
  m_out->valid = true;
  m_out->ready_at = at + 1;
  copy_tag(m_out->tag, head.tag);
  // Busy cycles: the union of the tokens' [taken, left) intervals (both rise token by token).
  m_busy_total += at - std::max(head.accepted, m_last_done);
  note_stall(at - std::max(head.done, m_last_done));
  m_last_done = at;
  m_freed[m_head] = at;
  if (m_log != nullptr) m_log->complete(at);
  if (++m_head == m_depth) m_head = 0;
  --m_count;
  return true;
}

inline bool PipelineUnit::accept_now(uint64_t& at) {
  uint32_t tail = m_head + m_count;
  if (tail >= m_depth) tail -= m_depth;
  InFlight& slot = m_slots[tail];
  // Within a cycle a unit completes before it accepts: a slot freed at c is usable at c.
  at = std::max({m_in->ready_at, m_next_accept, m_freed[tail]});
  if (m_count == 0) m_held_several |= m_last_done > at;  // the previous token left after
  TokenTag tag;
  copy_tag(tag, m_in->tag);
  m_in->valid = false;
  m_in->taken_at = at;
  const bool callbacks = m_gate == nullptr || *m_gate;
  const arch::UnitTiming t = timing_of(tag, callbacks);
  copy_tag(slot.tag, tag);
  slot.done = at + t.latency;
  slot.accepted = at;
  ++m_count;
  ++m_tokens;
  m_next_accept = at + t.interval;
  if (m_log != nullptr) m_log->accept({at, slot.done, tag.seq, tag.pos});
  if (m_has_fire && callbacks) m_fire(tag);
  return true;
}

inline uint64_t PipelineUnit::flow_through(uint64_t ready, const TokenTag& tag, uint64_t& accepted,
                                           uint64_t& firing) {
  // Empty: the next slot to take is the head.
  const uint64_t at = std::max({ready, m_next_accept, m_freed[m_head]});
  m_in->taken_at = at;
  m_held_several |= m_last_done > at;  // the previous token left after
  uint64_t done = 0;
  if (m_plain) {
    done = at + m_fixed.latency;
    m_next_accept = at + m_fixed.interval;
  } else {
    const bool callbacks = m_gate == nullptr || *m_gate;
    const arch::UnitTiming t = timing_of(tag, callbacks);
    done = at + t.latency;
    m_next_accept = at + t.interval;
    if (m_log != nullptr) m_log->accept({at, done, tag.seq, tag.pos});
    if (m_has_fire && callbacks) {
      firing = at;
      m_fire(tag);
    }
  }
  ++m_tokens;
  // As complete_now: the consumer may have emptied the register in the very cycle.
  const uint64_t left = std::max(done, m_out->taken_at);
  m_busy_total += left - std::max(at, m_last_done);
  note_stall(left - std::max(done, m_last_done));
  m_last_done = left;
  m_freed[m_head] = left;
  if (!m_plain && m_log != nullptr) m_log->complete(left);  // plain: no log
  if (++m_head == m_depth) m_head = 0;
  accepted = at;
  return left;
}

// ceil(latency / interval), at least 1: the tokens a unit with this timing holds at once.
uint32_t pipeline_depth(const arch::UnitTiming& timing);

}  // namespace etchsim::chip
