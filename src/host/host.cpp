#include "etchsim/host/host.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "etchsim/chip/address_map.hpp"

namespace etchsim::host {

namespace address = chip::address;

namespace {

// A TLM error from the chip ends the run with this message.
struct TransportError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace

Host::Host(sc_core::sc_module_name name, std::vector<Request> requests, uint32_t n_embd,
           EmbedFn embed, sc_core::sc_time clock_period)
    : sc_module(name),
      socket("socket"),
      m_requests(std::move(requests)),
      m_n_embd(n_embd),
      m_embed(std::move(embed)),
      m_period(clock_period),
      m_users(m_requests.size()),
      m_embedding(n_embd, 0.0f) {
  SC_THREAD(run);
}

uint64_t Host::cycle() const { return sc_core::sc_time_stamp().value() / m_period.value(); }

void Host::transport(tlm::tlm_command command, uint64_t address, unsigned char* data,
                     size_t length) {
  tlm::tlm_generic_payload trans;
  trans.set_command(command);
  trans.set_address(address);
  trans.set_data_ptr(data);
  trans.set_data_length(static_cast<unsigned>(length));
  trans.set_streaming_width(static_cast<unsigned>(length));
  trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  socket->b_transport(trans, delay);
  if (trans.is_response_error()) {
    throw TransportError(fmt::format(
        "the chip answered {} to a {} of {} bytes at {:#x}", trans.get_response_string(),
        command == tlm::TLM_READ_COMMAND ? "read" : "write", length, address));
  }
  // The chip annotates the cycles the host stays busy (an embedding's transfer).
  if (delay > sc_core::SC_ZERO_TIME) wait(delay);
}

uint32_t Host::read32(uint64_t address) {
  uint32_t value = 0;
  transport(tlm::TLM_READ_COMMAND, address, reinterpret_cast<unsigned char*>(&value), 4);
  return value;
}

void Host::write32(uint64_t address, uint32_t value) {
  transport(tlm::TLM_WRITE_COMMAND, address, reinterpret_cast<unsigned char*>(&value), 4);
}

void Host::send(const Input& input) {
  UserTrace& user = m_users[input.user];
  if (input.pos == 0) user.first_input_cycle = cycle();
  m_embed(input.token, m_embedding);
  write32(address::kEmbedSeq, m_seq[input.user]);
  write32(address::kEmbedPos, input.pos);
  write32(address::kEmbedFlags, input.emit ? address::kEmbedEmit : 0);
  transport(tlm::TLM_WRITE_COMMAND, address::kEmbedWindow,
            reinterpret_cast<unsigned char*>(m_embedding.data()),
            m_embedding.size() * sizeof(float));
}

void Host::receive() {
  address::TokenEntry entry;
  transport(tlm::TLM_READ_COMMAND, address::kTokenFifo, reinterpret_cast<unsigned char*>(&entry),
            sizeof entry);
  if ((entry.flags & address::kEmbedEmit) == 0) return;  // a prompt token: KV cache only
  const auto it = std::find(m_seq.begin(), m_seq.end(), entry.seq);
  if (it == m_seq.end())
    throw TransportError(fmt::format("token for unknown sequence {}", entry.seq));
  const auto user_index = static_cast<uint32_t>(it - m_seq.begin());
  UserTrace& user = m_users[user_index];
  const Request& request = m_requests[user_index];
  user.generated.push_back(entry.token);
  user.token_cycles.push_back(cycle());
  if (user.generated.size() < request.n_generate) {
    m_ready.push_back({user_index, entry.token, entry.pos + 1, true});
  }
}

void Host::run() {
  try {
    if (read32(address::kId) != address::kIdValue) throw TransportError("no etchsim chip at 0x0");
    write32(address::kControl, address::kControlStart);
    size_t longest = 0;
    uint64_t expected = 0;  // tokens the host will read back
    for (const Request& r : m_requests) {
      if (r.prompt.empty()) throw std::invalid_argument("a user's prompt has no tokens");
      const uint32_t positions = static_cast<uint32_t>(r.prompt.size()) + r.n_generate;
      write32(address::kSeqOpen, positions);
      const uint32_t seq = read32(address::kSeqId);
      if (seq == address::kSeqRefused) {
        throw TransportError(fmt::format(
            "the chip refused user {}'s sequence ({} prompt + {} generated positions): its KV "
            "cache does not fit the {} KiB left free of the KV SRAM's {} KiB "
            "(kv_sram.capacity_mib)",
            m_seq.size(), r.prompt.size(), r.n_generate, read32(address::kKvFreeKib),
            read32(address::kKvCapacityKib)));
      }
      m_seq.push_back(seq);
      longest = std::max(longest, r.prompt.size());
      expected += r.prompt.size() + (r.n_generate > 0 ? r.n_generate - 1 : 0);
    }
    // Prefill: every user's prompt, interleaved token by token; the last prompt token of a
    // user that generates asks the LM head for a token.
    for (size_t p = 0; p < longest; ++p) {
      for (uint32_t u = 0; u < m_requests.size(); ++u) {
        const Request& r = m_requests[u];
        if (p >= r.prompt.size()) continue;
        const bool last = p + 1 == r.prompt.size();
        m_ready.push_back({u, r.prompt[p], static_cast<uint32_t>(p), last && r.n_generate > 0});
      }
    }
    uint64_t received = 0;
    while (received < expected) {
      // Drain finished tokens first, then send; read (blocking) when there is nothing to send.
      while (received < expected && read32(address::kTokenCount) > 0) {
        receive();
        ++received;
      }
      if (!m_ready.empty()) {
        const Input input = m_ready.front();
        m_ready.pop_front();
        send(input);
      } else if (received < expected) {
        receive();
        ++received;
      }
    }
    for (uint32_t seq : m_seq) write32(address::kSeqClose, seq);
    m_finished = true;
  } catch (const std::exception& e) {
    m_error = e.what();
  }
  m_last_cycle = cycle();
  // One more cycle lets trace files record the values of the last cycle before the stop.
  wait(m_period);
  sc_core::sc_stop();
}

}  // namespace etchsim::host
