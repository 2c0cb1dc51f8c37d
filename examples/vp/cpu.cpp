#include "cpu.hpp"

#include <fmt/format.h>

#include <cstring>
#include <stdexcept>

#include "etchsim/protocol/address_map.hpp"

namespace vp {

namespace reg = etchsim::protocol;

Cpu::Cpu(sc_core::sc_module_name name, CpuParams params, EmbedFn embed)
    : sc_module(name),
      socket("socket"),
      m_params(std::move(params)),
      m_embed(std::move(embed)),
      m_access_cost(m_params.clock_period * static_cast<double>(m_params.access_cycles)) {
  m_qk.reset();
  socket.register_invalidate_direct_mem_ptr(this, &Cpu::invalidate_dmi);
  SC_THREAD(run);
}

uint64_t Cpu::now_cycle() const {
  return m_qk.get_current_time().value() / m_params.clock_period.value();
}

void Cpu::access(tlm::tlm_command command, uint64_t address, void* data, size_t length) {
  m_qk.inc(m_access_cost);
  tlm::tlm_generic_payload trans;
  trans.set_command(command);
  trans.set_address(address);
  trans.set_data_ptr(static_cast<unsigned char*>(data));
  trans.set_data_length(static_cast<unsigned>(length));
  trans.set_streaming_width(static_cast<unsigned>(length));
  trans.set_byte_enable_ptr(nullptr);
  trans.set_dmi_allowed(false);
  trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  // The annotated delay is the CPU's local time offset; the chip returns the offset at which the
  // access completes for the CPU (an embedding write: the cycles of its transfer).
  sc_core::sc_time delay = m_qk.get_local_time();
  socket->b_transport(trans, delay);
  m_qk.set(delay);
  if (m_qk.need_sync()) {
    m_qk.sync();
    ++m_result.syncs;
  }
  ++m_result.accesses;
  if (trans.is_response_error()) {
    throw std::runtime_error(fmt::format(
        "the chip answered {} to a {} of {} bytes at {:#x}", trans.get_response_string(),
        command == tlm::TLM_READ_COMMAND ? "read" : "write", length, address));
  }
}

uint32_t Cpu::debug_read32(uint64_t address) {
  m_qk.inc(m_access_cost);
  if (m_qk.get_local_time() > sc_core::SC_ZERO_TIME) {
    m_qk.sync();
    ++m_result.syncs;
  }
  uint32_t value = 0;
  tlm::tlm_generic_payload trans;
  trans.set_command(tlm::TLM_READ_COMMAND);
  trans.set_address(address);
  trans.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
  trans.set_data_length(sizeof value);
  trans.set_streaming_width(sizeof value);
  if (socket->transport_dbg(trans) != sizeof value) {
    throw std::runtime_error(fmt::format("the chip refused a debug read at {:#x}", address));
  }
  ++m_result.debug_reads;
  return value;
}

void Cpu::acquire_embedding_dmi() {
  uint32_t unused = 0;
  tlm::tlm_generic_payload trans;
  trans.set_command(tlm::TLM_WRITE_COMMAND);
  trans.set_address(reg::kEmbedWindow);
  trans.set_data_ptr(reinterpret_cast<unsigned char*>(&unused));
  trans.set_data_length(sizeof unused);
  trans.set_streaming_width(sizeof unused);
  tlm::tlm_dmi dmi;
  const size_t bytes = m_embedding.size() * sizeof(float);
  if (socket->get_direct_mem_ptr(trans, dmi) && dmi.is_write_allowed() &&
      dmi.get_start_address() <= reg::kEmbedWindow &&
      dmi.get_end_address() >= reg::kEmbedWindow + bytes - 1) {
    m_embed_dmi = dmi.get_dmi_ptr() + (reg::kEmbedWindow - dmi.get_start_address());
    m_embed_dmi_latency = dmi.get_write_latency();
  }
}

void Cpu::invalidate_dmi(sc_dt::uint64 start, sc_dt::uint64 end) {
  if (start <= reg::kEmbedWindow && end >= reg::kEmbedWindow) m_embed_dmi = nullptr;
}

uint32_t Cpu::read32(uint64_t address) {
  uint32_t value = 0;
  access(tlm::TLM_READ_COMMAND, address, &value, sizeof value);
  return value;
}

void Cpu::write32(uint64_t address, uint32_t value) {
  access(tlm::TLM_WRITE_COMMAND, address, &value, sizeof value);
}

void Cpu::send(const Input& input) {
  if (input.pos == 0) m_result.first_input_cycle = now_cycle();
  m_embed(input.token, m_embedding);
  write32(reg::kEmbedSeq, m_seq);
  write32(reg::kEmbedPos, input.pos);
  write32(reg::kEmbedFlags, input.emit ? reg::kEmbedEmit : 0);
  // Blocks while the chip's input register is full (backpressure).
  if (m_embed_dmi != nullptr) {
    std::memcpy(m_embed_dmi, m_embedding.data(), m_embedding.size() * sizeof(float));
    m_qk.inc(m_embed_dmi_latency);
    write32(reg::kEmbedSubmit, 1);
  } else {
    access(tlm::TLM_WRITE_COMMAND, reg::kEmbedWindow, m_embedding.data(),
           m_embedding.size() * sizeof(float));
  }
  ++m_outstanding;
}

void Cpu::receive() {
  reg::TokenEntry entry;
  // Blocks until an entry is there; the CPU reads only with an embedding outstanding, so one is
  // on its way.
  access(tlm::TLM_READ_COMMAND, reg::kTokenFifo, &entry, sizeof entry);
  --m_outstanding;
  if (entry.seq != m_seq) {
    throw std::runtime_error(
        fmt::format("token entry for sequence {}, not ours ({})", entry.seq, m_seq));
  }
  if ((entry.flags & reg::kEmbedEmit) != 0) {
    const uint64_t cycle = now_cycle();
    m_result.tokens.push_back(entry.token);
    m_result.token_cycles.push_back(cycle);
    if (on_token) on_token(entry.pos + 1, entry.token, cycle);
    if (m_result.tokens.size() < m_params.n_generate) {
      m_ready.push_back({entry.token, entry.pos + 1, true});
    }
  }
  if (--m_entries_left == 0) write32(reg::kSeqClose, m_seq);
}

void Cpu::program() {
  if (read32(reg::kId) != reg::kIdValue) throw std::runtime_error("no etchsim chip at 0x0");
  m_embedding.assign(read32(reg::kNEmbd), 0.0f);
  acquire_embedding_dmi();
  write32(reg::kControl, reg::kControlStart);
  // Open the sequence: seed offset 0 (sampling, when configured, as etchsim run's first user),
  // no LoRA adapter, prompt + generated positions of KV SRAM.
  const std::vector<int32_t>& prompt = m_params.prompt;
  write32(reg::kSeqSeed, 0);
  write32(reg::kSeqLora, reg::kLoraNone);
  write32(reg::kSeqOpen, static_cast<uint32_t>(prompt.size() + m_params.n_generate));
  m_seq = read32(reg::kSeqId);
  if (m_seq == reg::kSeqRefused) {
    throw std::runtime_error(
        fmt::format("the chip refused the sequence ({} prompt + {} generated positions): its KV "
                    "SRAM holds {} KiB",
                    prompt.size(), m_params.n_generate, read32(reg::kKvCapacityKib)));
  }
  // One token-out entry per embedding: every prompt token and every generated token fed back.
  m_entries_left = prompt.size() + (m_params.n_generate > 0 ? m_params.n_generate - 1 : 0);
  for (size_t p = 0; p < prompt.size(); ++p) {
    const bool last = p + 1 == prompt.size();
    m_ready.push_back({prompt[p], static_cast<uint32_t>(p), last && m_params.n_generate > 0});
  }
  while (m_entries_left > 0) {
    while (m_outstanding > 0 && debug_read32(reg::kTokenCount) > 0) receive();
    if (m_entries_left == 0) break;
    if (!m_ready.empty()) {
      const Input input = m_ready.front();
      m_ready.pop_front();
      send(input);
    } else if (m_outstanding > 0) {
      receive();
    } else {
      throw std::logic_error("cpu: entries are due but no embedding is outstanding");
    }
  }
  // The 64-bit cycle counter in two reads: high, low, high again, until no carry came between.
  uint32_t high = 0, low = 0;
  do {
    high = debug_read32(reg::kCycleHigh);
    low = debug_read32(reg::kCycleLow);
  } while (debug_read32(reg::kCycleHigh) != high);
  m_result.closed_cycle = (uint64_t{high} << 32) | low;
}

void Cpu::run() {
  try {
    program();
    m_finished = true;
  } catch (const std::exception& e) {
    m_error = e.what();
  }
  m_qk.sync();
  sc_core::sc_stop();
  // Never return from an SC_THREAD that stops the simulation (docs/integration.md, "Ending the
  // simulation"): with SystemC 2.3.4 a returning thread confuses AddressSanitizer.
  wait(m_never);
}

}  // namespace vp
