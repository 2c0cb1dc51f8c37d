#include "etchsim/chip/pipeline.hpp"

#include <stdexcept>

namespace etchsim::chip {

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
  m_reach.assign(m_units.size() + 1, 0);
  for (size_t i = 0; i < m_units.size(); ++i) {
    m_reach[i + 1] = m_reach[i] + m_units[i]->min_latency() + 1;
  }
  m_sink = std::move(sink);
  m_input_free = std::move(input_free);
}

void Pipeline::stage_token_enters(uint32_t stage, uint64_t cycle) {
  if (m_stage_tokens[stage]++ == 0) m_stage_busy_since[stage] = cycle;
}

void Pipeline::stage_token_leaves(uint32_t stage, uint64_t cycle) {
  if (--m_stage_tokens[stage] == 0) m_stage_busy_total[stage] += cycle - m_stage_busy_since[stage];
}

uint64_t Pipeline::stage_busy_cycles(uint32_t stage, uint64_t now) const {
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
  schedule(0, m_units.front()->wake_after_input_filled(in.ready_at));
}

void Pipeline::take_output_again(uint64_t cycle) {
  schedule(static_cast<uint32_t>(m_units.size()), cycle);
}

void Pipeline::schedule(uint32_t index, uint64_t cycle) {
  if (!m_use_calendar || cycle >= m_due[index]) return;  // also drops kNever
  m_due[index] = cycle;
  m_calendar.push({cycle, index});
}

bool Pipeline::step_sink(uint64_t cycle) {
  PipelineRegister& out = m_regs.back();
  if (!out.valid || out.ready_at > cycle || !m_sink(out.tag, cycle)) return false;
  out.valid = false;
  --m_inside;
  stage_token_leaves(m_stage_of.back(), cycle);
  m_units.back()->refresh_trace();
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
      m_units[index - 1]->refresh_trace();
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

void Pipeline::run_ahead(uint64_t now, uint64_t input_delay, bool sink_takes_all) {
  const auto n = static_cast<uint32_t>(m_units.size());
  while (!m_calendar.empty()) {
    const Wake wake = m_calendar.top();
    if (m_due[wake.index] != wake.cycle) {  // superseded by an earlier wake
      m_calendar.pop();
      continue;
    }
    if (wake.index == 0 || (wake.index == n && !sink_takes_all) ||
        wake.cycle >= now + input_delay + m_reach[wake.index]) {
      return;
    }
    m_calendar.pop();
    m_due[wake.index] = kNever;
    if (m_last_step[wake.index] == wake.cycle) continue;
    m_last_step[wake.index] = wake.cycle;
    evaluate(wake.index, wake.cycle, true);
  }
}

uint64_t Pipeline::next_wake() const {
  return m_calendar.empty() ? kNever : m_calendar.top().cycle;
}

void Pipeline::set_trace_live(bool live) {
  for (PipelineUnit* unit : m_units) unit->set_trace_live(live);
}

}  // namespace etchsim::chip
