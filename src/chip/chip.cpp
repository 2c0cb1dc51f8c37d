#include "etchsim/chip/chip.hpp"

#include <fmt/format.h>

#include <cstring>
#include <stdexcept>

namespace etchsim::chip {

using sc_core::sc_time;
using tlm::tlm_response_status;

Chip::Chip(sc_core::sc_module_name name, const ChipParams& params)
    : sc_module(name),
      host_socket("host_socket"),
      m_params(params),
      m_period(params.clock_period),
      m_pipeline(params.lockstep ? Pipeline::Mode::Lockstep : Pipeline::Mode::Flow),
      m_kv(std::make_unique<KvSram>("kv_sram", params.config.kv_sram, params.shape,
                                    params.datapath != nullptr)),
      m_lora(std::make_unique<LoraSram>("lora_sram", params.config, params.shape)),
      m_tokens(params.datapath),
      m_ctx{m_params.config, m_params.shape, m_params.types, params.max_positions,      *m_kv,
            *m_lora,         m_tokens,       m_pipeline,     m_params.timing_overrides, {}} {
  if (m_period == sc_core::SC_ZERO_TIME) throw std::invalid_argument("chip: zero clock period");
  m_params.types.check_layer_count(m_params.shape.n_layer);
  const arch::HostConfig& host = m_params.config.host;
  const arch::UnitTiming in = arch::host_in_timing(host);
  m_host_in = std::make_unique<PipelineUnit>("host_in", in);
  m_pipeline.add(m_host_in.get(), 0);
  for (uint32_t l = 0; l < m_params.shape.n_layer; ++l) {
    m_layers.push_back(
        std::make_unique<LayerStage>(fmt::format("layer{:02}", l).c_str(), l, l + 1, m_ctx));
  }
  const uint32_t head_stage = m_params.shape.n_layer + 1;
  m_head = std::make_unique<LmHead>("lm_head", head_stage, m_ctx, m_params.sampling);
  const arch::UnitTiming out = arch::host_out_timing(host);
  m_host_out = std::make_unique<PipelineUnit>("host_out", out);
  m_pipeline.add(m_host_out.get(), head_stage + 1);
  m_pipeline.finish([this](const TokenTag& tag, uint64_t c) { return sink(tag, c); },
                    [this](uint64_t at) { notify_at(m_input_free_event, at); });

  // The token-out FIFO holds every token the pipeline can hold at once, so a host that writes
  // before it reads can never deadlock the chip.
  m_fifo_depth = m_pipeline.size() + 1;  // registers
  for (size_t i = 0; i < m_pipeline.size(); ++i) m_fifo_depth += m_pipeline.unit(i).capacity();

  m_embed_stage.assign(m_params.shape.n_embd, 0.0f);
  host_socket.register_b_transport(this, &Chip::b_transport);
  host_socket.register_transport_dbg(this, &Chip::transport_dbg);
  host_socket.register_get_direct_mem_ptr(this, &Chip::get_direct_mem_ptr);
  SC_METHOD(clock_process);
}

Chip::~Chip() = default;

uint64_t Chip::cycle() const { return sc_core::sc_time_stamp().value() / m_period.value(); }

void Chip::evaluate(uint64_t c) {
  if (m_evaluated == c) return;
  m_evaluated = c;
  // Flow mode computed every change up to the host's next action already.
  if (m_pipeline.mode() == Pipeline::Mode::Lockstep) {
    m_pipeline.step_lockstep(c);
  } else if (m_pipeline.mode() == Pipeline::Mode::Calendar) {
    m_pipeline.step_scheduled(c);
  }
  m_kv->settle(c);
}

void Chip::notify_at(sc_core::sc_event& event, uint64_t at) {
  const uint64_t now = cycle();
  event.notify(at > now ? m_period * static_cast<double>(at - now) : sc_core::SC_ZERO_TIME);
}

void Chip::arm_wake(uint64_t c) {
  if (m_pipeline.mode() != Pipeline::Mode::Calendar) return;
  const uint64_t wake = m_pipeline.next_wake();
  if (wake == kNever) return;
  if (wake <= c) throw std::logic_error("chip: a wake-up at or before the current cycle");
  m_wake_event.notify(m_period * static_cast<double>(wake - c));
}

void Chip::clock_process() {
  ++m_wakes;
  const uint64_t c = cycle();
  evaluate(c);
  if (m_params.lockstep) {
    next_trigger(m_period);
  } else {
    arm_wake(c);
    next_trigger(m_wake_event);
  }
}

bool Chip::sink(const TokenTag& tag, uint64_t at) {
  if (m_fifo.size() >= m_fifo_depth) return false;
  const int32_t token = m_tokens.token(tag.slot);
  m_fifo.push_back({{tag.seq, tag.pos, token, tag.emit ? protocol::kEmbedEmit : 0u}, at});
  m_tokens.release(tag.slot);
  --m_in_flight[tag.seq];
  if (m_log) m_log->sink.push_back({at, token, tag.emit});
  notify_at(m_token_event, at);
  return true;
}

size_t Chip::visible_entries(uint64_t c) const {
  size_t n = 0;  // entries are pushed in cycle order
  while (n < m_fifo.size() && m_fifo[n].visible_at <= c) ++n;
  return n;
}

bool Chip::sequence_busy(uint32_t seq, uint64_t c) const {
  if (m_in_flight[seq] != 0) return true;
  for (size_t i = visible_entries(c); i < m_fifo.size(); ++i) {
    if (m_fifo[i].entry.seq == seq) return true;
  }
  return false;
}

bool Chip::needs_sync(uint64_t address, bool write) {
  namespace a = protocol;
  // What a decoupled initiator may do ahead of SystemC time: accesses whose answer and effect do
  // not depend on the cycle (configuration read-back, the staging registers, the LoRA image
  // bursts) and the cycle counter (it reads the initiator's local time). Everything that sees or
  // changes the pipeline, the FIFO, the KV or LoRA SRAM occupancy waits for the local time first.
  if (address >= a::kLoraWindow && address < a::kLoraWindow + a::kLoraWindowSize) return false;
  if (write) {
    switch (address) {
      case a::kEmbedSeq:
      case a::kEmbedPos:
      case a::kEmbedFlags:
      case a::kSeqSeed:
      case a::kSeqLora:
      case a::kLoraBegin:
        return false;
      default:
        return true;
    }
  }
  switch (address) {
    case a::kId:
    case a::kCycleLow:
    case a::kCycleHigh:
    case a::kNLayer:
    case a::kNEmbd:
    case a::kNVocab:
    case a::kClockKhz:
    case a::kKvCapacityKib:
    case a::kKvFreeKib:
    case a::kSeqId:
    case a::kEmbedSeq:
    case a::kEmbedPos:
    case a::kEmbedFlags:
    case a::kSeqLora:
    case a::kSeqSeed:
    case a::kLoraSlot:
    case a::kLoraCapacityKib:
    case a::kLoraFreeKib:
      return false;
    default:
      return true;
  }
}

void Chip::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
  const bool write = trans.is_write();
  if (needs_sync(trans.get_address(), write)) {
    // LT: an initiator running ahead by `delay` is brought to its local time first.
    if (delay > sc_core::SC_ZERO_TIME) {
      wait(delay);
      delay = sc_core::SC_ZERO_TIME;
    }
    evaluate(cycle());
  }
  trans.set_response_status(transport(trans, delay));
}

tlm_response_status Chip::transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
  const uint64_t address = trans.get_address();
  const size_t length = trans.get_data_length();
  unsigned char* data = trans.get_data_ptr();
  if (trans.get_byte_enable_ptr() != nullptr) return tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
  if (trans.get_streaming_width() < length) return tlm::TLM_BURST_ERROR_RESPONSE;
  if (address >= protocol::kLoraWindow &&
      address < protocol::kLoraWindow + protocol::kLoraWindowSize) {
    if (address != protocol::kLoraWindow || length == 0 || length > protocol::kLoraBurstBytes) {
      return tlm::TLM_BURST_ERROR_RESPONSE;
    }
    if (!trans.is_write()) return tlm::TLM_COMMAND_ERROR_RESPONSE;
    if (!m_lora->append({data, length})) return tlm::TLM_GENERIC_ERROR_RESPONSE;
    log_lora();
    // The host is busy for the burst's transfer over the link.
    delay += m_period *
             static_cast<double>(arch::ceil_div(length, m_params.config.host.bytes_per_cycle));
    return tlm::TLM_OK_RESPONSE;
  }
  if (address >= protocol::kEmbedWindow &&
      address < protocol::kEmbedWindow + protocol::kEmbedWindowSize) {
    if (address != protocol::kEmbedWindow || length != m_embed_stage.size() * sizeof(float)) {
      return tlm::TLM_BURST_ERROR_RESPONSE;
    }
    if (!trans.is_write()) return tlm::TLM_COMMAND_ERROR_RESPONSE;
    // memcpy: the initiator's buffer need not be aligned for floats. Timing runs compute no
    // arithmetic and keep no values (as the KV SRAM): the transfer is timed, its bytes unused.
    if (m_tokens.functional()) std::memcpy(m_embed_stage.data(), data, length);
    return submit_embedding(delay);
  }
  if (address == protocol::kTokenFifo) {
    if (length != sizeof(protocol::TokenEntry)) return tlm::TLM_BURST_ERROR_RESPONSE;
    if (!trans.is_read()) return tlm::TLM_COMMAND_ERROR_RESPONSE;
    return read_token({data, length});
  }
  if (address >= 0x1000) return tlm::TLM_ADDRESS_ERROR_RESPONSE;
  if (length != 4 || address % 4 != 0) return tlm::TLM_BURST_ERROR_RESPONSE;
  uint32_t value = 0;
  if (trans.is_read()) {
    const tlm_response_status status = read_register(address, value, delay);
    if (status == tlm::TLM_OK_RESPONSE) std::memcpy(data, &value, 4);
    return status;
  }
  if (trans.is_write()) {
    std::memcpy(&value, data, 4);
    return write_register(address, value, delay);
  }
  return tlm::TLM_COMMAND_ERROR_RESPONSE;
}

unsigned int Chip::transport_dbg(tlm::tlm_generic_payload& trans) {
  // Reads only, at the current SystemC time (an initiator with a local time offset synchronises
  // first), with no effect on the chip: registers and a peek at the token FIFO's head.
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
  if (!trans.is_read() || trans.get_byte_enable_ptr() != nullptr) return 0;
  const uint64_t address = trans.get_address();
  const size_t length = trans.get_data_length();
  const uint64_t c = cycle();
  evaluate(c);  // the state of this cycle, as the clock process would make it
  if (address == protocol::kTokenFifo) {
    if (length != sizeof(protocol::TokenEntry) || visible_entries(c) == 0) return 0;
    std::memcpy(trans.get_data_ptr(), &m_fifo.front().entry, sizeof(protocol::TokenEntry));
    return sizeof(protocol::TokenEntry);
  }
  if (address >= 0x1000 || length != 4 || address % 4 != 0) return 0;
  uint32_t value = 0;
  if (read_register(address, value, sc_core::SC_ZERO_TIME) != tlm::TLM_OK_RESPONSE) return 0;
  std::memcpy(trans.get_data_ptr(), &value, 4);
  return 4;
}

bool Chip::get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
  const uint64_t address = trans.get_address();
  // Writes through DMI fill a staging buffer at no cost: the link's transfer is charged when the
  // buffer is handed over (EMBED_SUBMIT, LORA_COMMIT), as for the b_transport path, so both paths
  // give the same cycles.
  dmi.set_read_latency(sc_core::SC_ZERO_TIME);
  dmi.set_write_latency(sc_core::SC_ZERO_TIME);
  if (address >= protocol::kEmbedWindow &&
      address < protocol::kEmbedWindow + m_embed_stage.size() * sizeof(float)) {
    dmi.set_dmi_ptr(reinterpret_cast<unsigned char*>(m_embed_stage.data()));
    dmi.set_start_address(protocol::kEmbedWindow);
    dmi.set_end_address(protocol::kEmbedWindow + m_embed_stage.size() * sizeof(float) - 1);
    dmi.allow_write();
    return true;
  }
  if (address >= protocol::kLoraWindow &&
      address < protocol::kLoraWindow + protocol::kLoraWindowSize) {
    const std::span<std::byte> image = m_lora->image_buffer(protocol::kLoraWindowSize);
    if (address - protocol::kLoraWindow < image.size()) {
      m_lora_dmi = true;
      dmi.set_dmi_ptr(reinterpret_cast<unsigned char*>(image.data()));
      dmi.set_start_address(protocol::kLoraWindow);
      dmi.set_end_address(protocol::kLoraWindow + image.size() - 1);
      dmi.allow_write();
      return true;
    }
  }
  // Refused: nothing else is memory. The region stays the whole address space, so an initiator
  // does not cache a refusal it could later be granted (a LoRA image is begun later).
  dmi.allow_none();
  return false;
}

void Chip::invalidate_lora_dmi() {
  if (!m_lora_dmi) return;
  m_lora_dmi = false;
  host_socket->invalidate_direct_mem_ptr(protocol::kLoraWindow,
                                         protocol::kLoraWindow + protocol::kLoraWindowSize - 1);
}

tlm_response_status Chip::read_register(uint64_t address, uint32_t& value, const sc_time& delay) {
  namespace a = protocol;
  const uint64_t c = cycle();
  // The cycle counter at the initiator's local time (reads that sync have delay 0 here).
  const uint64_t local = (sc_core::sc_time_stamp() + delay).value() / m_period.value();
  switch (address) {
    case a::kId:
      value = a::kIdValue;
      break;
    case a::kStatus:
      value =
          (m_started ? a::kStatusStarted : 0) |
          (m_pipeline.input_free_at() <= c ? a::kStatusInputFree : 0) |
          (visible_entries(c) > 0 ? a::kStatusTokenReady : 0) |
          (m_pipeline.tokens_inside() == 0 && visible_entries(c) == m_fifo.size() ? a::kStatusIdle
                                                                                  : 0);
      break;
    case a::kCycleLow:
      value = static_cast<uint32_t>(local);
      break;
    case a::kCycleHigh:
      value = static_cast<uint32_t>(local >> 32);
      break;
    case a::kTokenCount:
      value = static_cast<uint32_t>(visible_entries(c));
      break;
    case a::kNLayer:
      value = m_params.shape.n_layer;
      break;
    case a::kNEmbd:
      value = m_params.shape.n_embd;
      break;
    case a::kNVocab:
      value = m_params.shape.n_vocab;
      break;
    case a::kClockKhz:
      value = static_cast<uint32_t>(m_params.config.clock.clock_mhz * 1000.0);
      break;
    case a::kKvCapacityKib:
      value = static_cast<uint32_t>(m_kv->capacity_bytes() / 1024);
      break;
    case a::kKvFreeKib:
      value = static_cast<uint32_t>((m_kv->capacity_bytes() - m_kv->reserved_bytes()) / 1024);
      break;
    case a::kSeqId:
      value = m_last_seq;
      break;
    case a::kEmbedSeq:
      value = m_next_embed.seq;
      break;
    case a::kEmbedPos:
      value = m_next_embed.pos;
      break;
    case a::kEmbedFlags:
      value = m_next_embed.flags;
      break;
    case a::kSeqLora:
      value = m_next_lora;
      break;
    case a::kSeqSeed:
      value = m_next_seed;
      break;
    case a::kLoraSlot:
      value = m_last_lora;
      break;
    case a::kLoraCapacityKib:
      value = static_cast<uint32_t>(m_lora->capacity_bytes() / 1024);
      break;
    case a::kLoraFreeKib:
      value = static_cast<uint32_t>((m_lora->capacity_bytes() - m_lora->used_bytes()) / 1024);
      break;
    case a::kControl:
    case a::kSeqOpen:
    case a::kSeqClose:
    case a::kEmbedSubmit:
    case a::kLoraBegin:
    case a::kLoraCommit:
    case a::kLoraUnload:
      return tlm::TLM_COMMAND_ERROR_RESPONSE;  // write-only
    default:
      return tlm::TLM_ADDRESS_ERROR_RESPONSE;
  }
  return tlm::TLM_OK_RESPONSE;
}

tlm_response_status Chip::write_register(uint64_t address, uint32_t value, sc_time& delay) {
  namespace a = protocol;
  switch (address) {
    case a::kControl:
      if (value & a::kControlReset) {
        if (m_pipeline.tokens_inside() != 0 || !m_fifo.empty())
          return tlm::TLM_GENERIC_ERROR_RESPONSE;
        for (uint32_t s = 0; s < m_in_flight.size(); ++s) {
          if (m_kv->close(s) && m_log) m_log->kv_closes.push_back({cycle(), s});
          m_lora->unbind(s);
        }
        m_started = false;
      }
      if (value & a::kControlStart) m_started = true;
      return tlm::TLM_OK_RESPONSE;
    case a::kSeqOpen: {
      if (m_next_lora != a::kLoraNone && !m_lora->resident(m_next_lora)) {
        return tlm::TLM_GENERIC_ERROR_RESPONSE;  // the adapter was unloaded since SEQ_LORA
      }
      const std::optional<uint32_t> id = m_kv->open(value);
      m_last_seq = id.value_or(a::kSeqRefused);
      if (id) {
        if (*id >= m_in_flight.size()) m_in_flight.resize(*id + 1, 0);
        m_head->start_sequence(*id, m_next_seed == a::kSeqSeedId ? *id : m_next_seed);
        m_next_seed = a::kSeqSeedId;
        m_lora->bind(*id, m_next_lora == a::kLoraNone ? LoraSram::kNone : m_next_lora);
      }
      return tlm::TLM_OK_RESPONSE;
    }
    case a::kSeqClose:
      if (!m_kv->is_open(value) || sequence_busy(value, cycle())) {
        return tlm::TLM_GENERIC_ERROR_RESPONSE;
      }
      m_kv->close(value);
      if (m_log) m_log->kv_closes.push_back({cycle(), value});
      m_lora->unbind(value);
      return tlm::TLM_OK_RESPONSE;
    case a::kSeqSeed:
      m_next_seed = value;
      return tlm::TLM_OK_RESPONSE;
    case a::kSeqLora:
      if (value != a::kLoraNone && !m_lora->resident(value)) return tlm::TLM_GENERIC_ERROR_RESPONSE;
      m_next_lora = value;
      return tlm::TLM_OK_RESPONSE;
    case a::kEmbedSubmit:
      return submit_embedding(delay);
    case a::kLoraBegin:
      invalidate_lora_dmi();  // the granted buffer belonged to the image begun before
      m_lora->begin(value);
      return tlm::TLM_OK_RESPONSE;
    case a::kLoraCommit: {
      float scale = 0;
      std::memcpy(&scale, &value, sizeof scale);
      if (m_lora_dmi) {
        // The image came through DMI: the link moves it now, as bursts would have.
        delay += m_period * static_cast<double>(arch::ceil_div(
                                m_lora->image_buffer(protocol::kLoraWindowSize).size(),
                                m_params.config.host.bytes_per_cycle));
        invalidate_lora_dmi();
      }
      const std::optional<uint32_t> slot = m_lora->commit(scale);
      m_last_lora = slot.value_or(a::kLoraRefused);
      log_lora();
      return tlm::TLM_OK_RESPONSE;
    }
    case a::kLoraUnload:
      if (!m_lora->unload(value)) return tlm::TLM_GENERIC_ERROR_RESPONSE;
      log_lora();
      return tlm::TLM_OK_RESPONSE;
    case a::kEmbedSeq:
      m_next_embed.seq = value;
      return tlm::TLM_OK_RESPONSE;
    case a::kEmbedPos:
      m_next_embed.pos = value;
      return tlm::TLM_OK_RESPONSE;
    case a::kEmbedFlags:
      m_next_embed.flags = value;
      return tlm::TLM_OK_RESPONSE;
    case a::kId:
    case a::kStatus:
    case a::kCycleLow:
    case a::kCycleHigh:
    case a::kTokenCount:
    case a::kNLayer:
    case a::kNEmbd:
    case a::kNVocab:
    case a::kClockKhz:
    case a::kKvCapacityKib:
    case a::kKvFreeKib:
    case a::kSeqId:
    case a::kLoraSlot:
    case a::kLoraCapacityKib:
    case a::kLoraFreeKib:
      return tlm::TLM_COMMAND_ERROR_RESPONSE;  // read-only
    default:
      return tlm::TLM_ADDRESS_ERROR_RESPONSE;
  }
}

tlm_response_status Chip::submit_embedding(sc_time& delay) {
  const protocol::TokenEntry next = m_next_embed;
  if (!m_started || !m_kv->is_open(next.seq) || next.pos >= m_kv->positions(next.seq)) {
    return tlm::TLM_GENERIC_ERROR_RESPONSE;
  }
  // Backpressure: the write completes when the input register is free.
  while (m_pipeline.input_free_at() > cycle()) {
    wait(m_input_free_event);
    evaluate(cycle());
  }
  const uint64_t c = cycle();
  const uint32_t slot = m_tokens.take();
  if (m_tokens.functional()) {
    golden::TokenState& state = m_tokens.state(slot);
    m_tokens.datapath().start(static_cast<int32_t>(next.pos), m_embed_stage, state,
                              m_lora->binding(next.seq));
  }
  ++m_in_flight[next.seq];
  if (m_log) m_log->inputs.push_back(c);
  // The host is busy for the transfer; the first unit sees the embedding when it has arrived.
  const uint64_t transfer = arch::embedding_transfer_cycles(m_params.shape, m_params.config.host);
  m_pipeline.write_input({next.seq, next.pos, slot, (next.flags & protocol::kEmbedEmit) != 0}, c,
                         transfer);
  delay += m_period * static_cast<double>(transfer);
  arm_wake(c);
  return tlm::TLM_OK_RESPONSE;
}

tlm_response_status Chip::read_token(std::span<unsigned char> data) {
  // Nothing in the FIFO and nothing inside the pipeline: no entry can ever come, so the read
  // fails instead of blocking forever. Otherwise an entry is on its way (the FIFO holds every
  // token the pipeline can hold, so the sink never stalls it): wait for it.
  if (m_fifo.empty() && m_pipeline.tokens_inside() == 0) return tlm::TLM_GENERIC_ERROR_RESPONSE;
  while (visible_entries(cycle()) == 0) {
    if (m_fifo.empty()) {
      wait(m_token_event);
    } else {
      wait(m_period * static_cast<double>(m_fifo.front().visible_at - cycle()));
    }
    evaluate(cycle());
  }
  const protocol::TokenEntry entry = m_fifo.front().entry;
  m_fifo.pop_front();
  std::memcpy(data.data(), &entry, sizeof entry);
  // The freed entry is usable by the sink from the next cycle.
  const uint64_t c = cycle();
  m_pipeline.take_output_again(c + 1);
  arm_wake(c);
  return tlm::TLM_OK_RESPONSE;
}

}  // namespace etchsim::chip

namespace etchsim::chip {

const ChipTraceLog& Chip::enable_trace_log(uint64_t expected_tokens) {
  if (m_pipeline.unit(0).tokens() != 0) {
    throw std::logic_error("Chip::enable_trace_log after the first token");
  }
  m_log = std::make_unique<ChipTraceLog>(m_pipeline.size(), expected_tokens, layers().size());
  m_pipeline.set_logs(m_log->units);
  m_kv->set_log(&m_log->kv_writes);
  log_lora();
  return *m_log;
}

uint64_t Chip::trace_log_bytes(uint64_t expected_tokens) const {
  return ChipTraceLog::bytes_for(m_pipeline.size(), expected_tokens, layers().size());
}

void Chip::log_lora() {
  if (!m_log) return;
  const uint64_t c = cycle();
  if (!m_log->lora_used.empty() && m_log->lora_used.back().cycle == c) {
    m_log->lora_used.back().bytes = m_lora->used_bytes();
  } else {
    m_log->lora_used.push_back({c, m_lora->used_bytes()});
  }
}

}  // namespace etchsim::chip
