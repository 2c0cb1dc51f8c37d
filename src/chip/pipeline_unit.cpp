#include "etchsim/chip/pipeline_unit.hpp"

#include <algorithm>
#include <stdexcept>

namespace etchsim::chip {

uint32_t pipeline_depth(const arch::UnitTiming& timing) {
  if (timing.interval == 0) return 1;
  return static_cast<uint32_t>(
      std::max<uint64_t>(1, arch::ceil_div(timing.latency, timing.interval)));
}

PipelineUnit::PipelineUnit(std::string name, uint32_t depth, TimingFn timing, FireFn fire)
    : m_timing(std::move(timing)),
      m_fire(std::move(fire)),
      m_ring(depth > kInlineSlots ? depth : 0),
      m_freed_ring(depth > kInlineSlots ? depth : 0),
      m_name(std::move(name)) {
  m_depth = std::max<uint32_t>(depth, 1);
  m_min_latency = m_timing(TokenTag{}).latency;
  init_flags();
}

PipelineUnit::PipelineUnit(std::string name, const arch::UnitTiming& timing, FireFn fire)
    : m_fixed(timing),
      m_fire(std::move(fire)),
      m_ring(pipeline_depth(timing) > kInlineSlots ? pipeline_depth(timing) : 0),
      m_freed_ring(pipeline_depth(timing) > kInlineSlots ? pipeline_depth(timing) : 0),
      m_name(std::move(name)) {
  m_depth = pipeline_depth(timing);
  m_min_latency = timing.latency;
  init_flags();
  // A zero latency or interval is refused when the first token arrives, as for a TimingFn.
}

void PipelineUnit::init_flags() {
  m_slots = m_depth > kInlineSlots ? m_ring.data() : m_inline;
  m_freed = m_depth > kInlineSlots ? m_freed_ring.data() : m_inline_freed;
  m_has_timing = static_cast<bool>(m_timing);
  m_has_fire = static_cast<bool>(m_fire);
  m_plain = !m_has_timing && !m_has_fire && m_gate == nullptr && m_log == nullptr &&
            m_fixed.latency != 0 && m_fixed.interval != 0;
}

void PipelineUnit::gate_callbacks(const bool* gate, const arch::UnitTiming& otherwise) {
  m_gate = gate;
  m_fixed = otherwise;
  init_flags();
}

void PipelineUnit::connect(PipelineRegister* in, PipelineRegister* out) {
  m_in = in;
  m_out = out;
}

uint8_t PipelineUnit::step(uint64_t cycle) {
  uint8_t changes = 0;
  if (m_count > 0 && !m_out->valid && m_slots[m_head].done <= cycle) {
    m_out->valid = true;
    m_out->ready_at = cycle + 1;
    copy_tag(m_out->tag, m_slots[m_head].tag);
    note_stall(cycle - std::max(m_slots[m_head].done, m_last_done));
    m_last_done = cycle;
    if (++m_head == m_depth) m_head = 0;
    --m_count;
    if (m_count == 0) m_busy_total += cycle - m_busy_since;
    if (m_log != nullptr) m_log->complete(cycle);
    changes |= kCompleted;
  }
  if (m_in->valid && m_in->ready_at <= cycle && cycle >= m_next_accept && m_count < m_depth) {
    TokenTag tag;
    copy_tag(tag, m_in->tag);
    m_in->valid = false;
    m_in->taken_at = cycle;
    const bool callbacks = m_gate == nullptr || *m_gate;
    const arch::UnitTiming t = m_has_timing && callbacks ? m_timing(tag) : m_fixed;
    if (t.latency == 0 || t.interval == 0) {
      throw std::logic_error("unit " + m_name + ": latency and interval must be >= 1 cycle");
    }
    uint32_t tail = m_head + m_count;
    if (tail >= m_depth) tail -= m_depth;
    m_slots[tail] = {tag, cycle + t.latency};
    if (m_count == 0) m_busy_since = cycle;
    m_held_several |= m_count > 0;  // the previous token is still inside at the cycle's end
    ++m_count;
    ++m_tokens;
    m_next_accept = cycle + t.interval;
    if (m_log != nullptr) m_log->accept({cycle, cycle + t.latency, tag.seq, tag.pos});
    if (m_has_fire && callbacks) m_fire(tag);
    changes |= kAccepted;
  }
  return changes;
}

arch::UnitTiming PipelineUnit::call_timing(const TokenTag& tag) const {
  const arch::UnitTiming t = m_timing(tag);
  check_timing(t);
  return t;
}

void PipelineUnit::check_timing(const arch::UnitTiming& t) const {
  if (t.latency == 0 || t.interval == 0) {
    throw std::logic_error("unit " + m_name + ": latency and interval must be >= 1 cycle");
  }
}

uint64_t PipelineUnit::next_wake(uint64_t cycle) const {
  uint64_t wake = kNever;
  if (m_count > 0 && !m_out->valid) wake = std::max(m_slots[m_head].done, cycle + 1);
  if (m_in->valid && m_count < m_depth) {
    wake = std::min(wake, std::max({m_next_accept, m_in->ready_at, cycle + 1}));
  }
  return wake;
}

uint64_t PipelineUnit::busy_cycles(uint64_t now) const {
  return m_busy_total + (m_count > 0 ? now - m_busy_since : 0);
}

}  // namespace etchsim::chip
