#include "etchsim/chip/pipeline.hpp"

#include <algorithm>
#include <stdexcept>

namespace etchsim::chip {

void Pipeline::set_mode(Mode mode) {
  if (m_inside != 0 || (!m_units.empty() && m_units.front()->tokens() != 0)) {
    throw std::logic_error("Pipeline::set_mode after the first token");
  }
  m_mode = mode;
}

void Pipeline::add(PipelineUnit* unit, uint32_t stage) {
  if (!m_regs.empty()) throw std::logic_error("Pipeline::add after finish");
  if (stage != stage_count() && stage + 1 != stage_count()) {
    throw std::logic_error("Pipeline::add: stages must be added in order");
  }
  if (stage == stage_count()) m_stage_first.push_back(static_cast<uint32_t>(m_units.size()));
  m_units.push_back(unit);
  m_stage_of.push_back(stage);
}

void Pipeline::finish(SinkFn sink, InputFreeFn input_free) {
  if (m_units.empty()) throw std::logic_error("Pipeline::finish without units");
  m_regs.resize(m_units.size() + 1);
  for (size_t i = 0; i < m_units.size(); ++i) m_units[i]->connect(&m_regs[i], &m_regs[i + 1]);
  m_stage_of.push_back(m_stage_of.back());  // the output register belongs to the last stage
  m_stage_tokens.assign(stage_count(), 0);
  m_stage_busy_since.assign(stage_count(), 0);
  m_stage_busy_total.assign(stage_count(), 0);
  m_due.assign(m_units.size() + 1, kNever);
  m_last_step.assign(m_units.size() + 1, kNever);
  m_stage_enter.assign(stage_count(), {});
  m_hot_bytes.clear();
  for (const PipelineUnit* unit : m_units)
    m_hot_bytes.push_back(static_cast<uint32_t>(unit->hot_bytes()));
  m_stage_last_leave.assign(stage_count(), 0);
  m_sink = std::move(sink);
  m_input_free = std::move(input_free);
}

void Pipeline::stage_token_enters(uint32_t stage, uint64_t cycle) {
  if (m_mode == Mode::Flow) {
    m_stage_enter[stage].push(cycle);
    return;
  }
  if (m_stage_tokens[stage]++ == 0) m_stage_busy_since[stage] = cycle;
}

void Pipeline::stage_token_leaves(uint32_t stage, uint64_t cycle) {
  if (m_mode == Mode::Flow) {
    // Tokens leave a stage in the order they entered, at rising cycles.
    const uint64_t entered = m_stage_enter[stage].front();
    m_stage_enter[stage].pop();
    m_stage_busy_total[stage] += cycle - std::max(entered, m_stage_last_leave[stage]);
    m_stage_last_leave[stage] = cycle;
    return;
  }
  if (--m_stage_tokens[stage] == 0) m_stage_busy_total[stage] += cycle - m_stage_busy_since[stage];
}

inline void Pipeline::flow_stage_cross(uint32_t from, uint32_t to, uint64_t cycle) {
  CycleFifo& inside = m_stage_enter[from];
  const uint64_t entered = inside.front();
  inside.pop();
  m_stage_busy_total[from] += cycle - std::max(entered, m_stage_last_leave[from]);
  m_stage_last_leave[from] = cycle;
  m_stage_enter[to].push(cycle);
}

uint64_t Pipeline::stage_busy_cycles(uint32_t stage, uint64_t now) const {
  if (m_mode == Mode::Flow) {
    const CycleFifo& inside = m_stage_enter[stage];
    const uint64_t since =
        inside.empty() ? now : std::max(inside.front(), m_stage_last_leave[stage]);
    return m_stage_busy_total[stage] + (now > since ? now - since : 0);
  }
  return m_stage_busy_total[stage] +
         (m_stage_tokens[stage] > 0 ? now - m_stage_busy_since[stage] : 0);
}

void Pipeline::write_input(const TokenTag& tag, uint64_t cycle, uint64_t delay) {
  PipelineRegister& in = m_regs.front();
  if (in.valid) throw std::logic_error("Pipeline::write_input: the input register is full");
  if (delay == 0) throw std::logic_error("Pipeline::write_input: a write is seen a cycle later");
  in.valid = true;
  in.ready_at = cycle + delay;
  in.tag = tag;
  ++m_inside;
  stage_token_enters(0, cycle);
  if (m_mode == Mode::Flow) {
    flow(0);
    return;
  }
  schedule(0, m_units.front()->wake_after_input_filled(in.ready_at));
}

void Pipeline::take_output_again(uint64_t cycle) {
  if (m_mode == Mode::Flow) {
    // Only a refused token waits for a read; otherwise the sink already took everything.
    if (!m_sink_blocked) return;
    m_sink_blocked = false;
    m_sink_retry = cycle;
    flow(static_cast<uint32_t>(m_units.size()));
    return;
  }
  schedule(static_cast<uint32_t>(m_units.size()), cycle);
}

void Pipeline::schedule(uint32_t index, uint64_t cycle) {
  if (m_mode != Mode::Calendar || cycle >= m_due[index]) return;  // also drops kNever
  m_due[index] = cycle;
  m_calendar.push({cycle, index});
}

bool Pipeline::step_sink(uint64_t cycle) {
  PipelineRegister& out = m_regs.back();
  if (!out.valid || out.ready_at > cycle || !m_sink(out.tag, cycle)) return false;
  out.valid = false;
  --m_inside;
  stage_token_leaves(m_stage_of.back(), cycle);
  return true;
}

// Evaluates unit `index` (or the sink) at `cycle`; in skip mode, also schedules the wakes its
// changes cause: itself when next due, its consumer a cycle after a completion (the register's
// ready_at), its producer in this same cycle after an accept (it may refill the register).
void Pipeline::evaluate(uint32_t index, uint64_t cycle, bool scheduled) {
  const auto n = static_cast<uint32_t>(m_units.size());
  if (index == n) {
    if (step_sink(cycle) && scheduled) {
      schedule(n - 1, m_units.back()->wake_after_output_taken(cycle));
    }
    // An earlier wake (the host read an entry) may have superseded the one for the token now in
    // the output register: keep that one.
    const PipelineRegister& out = m_regs.back();
    if (scheduled && out.valid) schedule(n, std::max(out.ready_at, cycle + 1));
    return;
  }
  PipelineUnit& unit = *m_units[index];
  m_firing_cycle = cycle;
  const uint8_t changes = unit.step(cycle);
  if (changes & PipelineUnit::kCompleted) {
    const uint32_t from = m_stage_of[index], to = m_stage_of[index + 1];
    if (from != to) {
      stage_token_leaves(from, cycle);
      stage_token_enters(to, cycle);
    }
    if (scheduled) {
      schedule(index + 1,
               index + 1 < n ? m_units[index + 1]->wake_after_input_filled(cycle + 1) : cycle + 1);
    }
  }
  if (changes & PipelineUnit::kAccepted) {
    if (index > 0) {
      if (scheduled) schedule(index - 1, m_units[index - 1]->wake_after_output_taken(cycle));
    } else if (m_input_free) {
      m_input_free(cycle);
    }
  }
  if (scheduled) schedule(index, unit.next_wake(cycle));
}

void Pipeline::step_lockstep(uint64_t cycle) {
  const auto n = static_cast<uint32_t>(m_units.size());
  if (m_stage_tokens.back() > 0) evaluate(n, cycle, false);
  for (uint32_t s = stage_count(); s-- > 0;) {
    if (m_stage_tokens[s] == 0) continue;
    const uint32_t first = m_stage_first[s];
    const uint32_t end = s + 1 < stage_count() ? m_stage_first[s + 1] : n;
    for (uint32_t i = end; i-- > first;) evaluate(i, cycle, false);
  }
}

void Pipeline::step_scheduled(uint64_t cycle) {
  while (!m_calendar.empty() && m_calendar.top().cycle <= cycle) {
    const Wake wake = m_calendar.top();
    m_calendar.pop();
    if (m_due[wake.index] != wake.cycle) continue;  // superseded by an earlier wake
    m_due[wake.index] = kNever;
    if (wake.cycle < cycle) throw std::logic_error("Pipeline: a scheduled cycle was skipped");
    if (m_last_step[wake.index] == cycle) continue;  // already evaluated this cycle
    m_last_step[wake.index] = cycle;
    evaluate(wake.index, cycle, true);
  }
}

bool Pipeline::flow_sink() {
  PipelineRegister& out = m_regs.back();
  if (!out.valid || m_sink_blocked) return false;
  // A token the sink refused waits for the host's next read (take_output_again).
  const uint64_t at = std::max(out.ready_at, m_sink_retry);
  if (!m_sink(out.tag, at)) {
    m_sink_blocked = true;
    return false;
  }
  m_sink_retry = 0;
  out.valid = false;
  out.taken_at = at;
  --m_inside;
  stage_token_leaves(m_stage_of.back(), at);
  return true;
}

// Each pass visits units first to last; a unit acts until it cannot (its input register holds
// one token and its output register one, so that is soon). A unit that takes a token empties its
// input register, which lets its producer, visited earlier in the pass, hand on a token it holds:
// the next pass starts there.
void Pipeline::flow(uint32_t from) {
  const auto n = static_cast<uint32_t>(m_units.size());
  while (from <= n) {
    uint32_t again = n + 1;
    // A token unit i - 1 handed on in this pass through flow_through, not written into register i
    // yet: its ready cycle and tag stay in registers while the next unit takes it at once, and are
    // written only when it must wait there.
    bool carried = false;
    uint64_t carried_ready = 0;
    TokenTag carried_tag;
    // Unit i - 1 passed a token through in this pass: it holds none (no need to look).
    bool previous_empty = false;
    for (uint32_t i = from; i < n; ++i) {
      // The units live apart in memory and a token visits them in turn: fetch ahead.
      if (i + 2 < n) {
        const char* next = reinterpret_cast<const char*>(m_units[i + 2]);
        for (uint32_t at = 0; at < m_hot_bytes[i + 2]; at += 64) __builtin_prefetch(next + at);
      }
      PipelineUnit& unit = *m_units[i];
      PipelineRegister& in = m_regs[i];
      if ((carried || in.valid) && unit.can_flow_through()) {
        if (!carried) {
          carried_ready = in.ready_at;
          copy_tag(carried_tag, in.tag);
          in.valid = false;
        }
        uint64_t accepted = 0;
        const uint64_t left =
            unit.flow_through(carried_ready, carried_tag, accepted, m_firing_cycle);
        if (i == 0) {
          if (m_input_free) m_input_free(accepted);
        } else if (!previous_empty && m_units[i - 1]->busy()) {
          again = std::min(again, i - 1);  // it may hand on into the emptied register
        }
        if (m_stage_of[i] != m_stage_of[i + 1])
          flow_stage_cross(m_stage_of[i], m_stage_of[i + 1], left);
        carried = true;
        carried_ready = left + 1;
        previous_empty = true;
        continue;
      }
      previous_empty = false;
      if (carried) {
        in.valid = true;
        in.ready_at = carried_ready;
        copy_tag(in.tag, carried_tag);
        carried = false;
      }
      // Usually one token passes: taken, then handed on (the order of the two attempts does not
      // change any cycle: each is computed from what it depends on). After a hand-on the output
      // register is full, so only a token waiting at the input can still make a difference.
      while (true) {
        if (unit.flow_accept(m_firing_cycle)) {
          if (i == 0) {
            if (m_input_free) m_input_free(m_firing_cycle);
          } else if (m_units[i - 1]->busy()) {
            again = std::min(again, i - 1);  // it may hand on into the emptied register
          }
        }
        uint64_t at = 0;
        if (!unit.flow_complete(at)) break;
        if (m_stage_of[i] != m_stage_of[i + 1])
          flow_stage_cross(m_stage_of[i], m_stage_of[i + 1], at);
        if (!unit.input_waiting()) break;
      }
    }
    if (carried) {
      PipelineRegister& out = m_regs[n];
      out.valid = true;
      out.ready_at = carried_ready;
      copy_tag(out.tag, carried_tag);
    }
    if (flow_sink() && m_units.back()->busy()) again = std::min(again, n - 1);
    from = again;
  }
}

uint64_t Pipeline::next_wake() const {
  return m_calendar.empty() ? kNever : m_calendar.top().cycle;
}

void Pipeline::set_logs(std::vector<UnitLog>& units) {
  if (units.size() != m_units.size()) throw std::logic_error("Pipeline::set_logs: one per unit");
  for (size_t i = 0; i < m_units.size(); ++i) m_units[i]->set_log(&units[i]);
}

}  // namespace etchsim::chip
