#include "etchsim/host/host.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "etchsim/protocol/address_map.hpp"

namespace etchsim::host {

namespace {

// A TLM error from the chip ends the run with this message.
struct TransportError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace

Host::Host(sc_core::sc_module_name name, std::vector<Request> requests, uint32_t n_embd,
           EmbedFn embed, sc_core::sc_time clock_period, Policy policy,
           std::vector<Adapter> adapters)
    : sc_module(name),
      socket("socket"),
      m_requests(std::move(requests)),
      m_n_embd(n_embd),
      m_embed(std::move(embed)),
      m_period(clock_period),
      m_policy(policy),
      m_adapters(std::move(adapters)),
      m_users(m_requests.size()),
      m_seq(m_requests.size(), protocol::kSeqRefused),
      m_entries_left(m_requests.size(), 0),
      m_embedding(n_embd, 0.0f) {
  for (uint32_t u = 0; u < m_requests.size(); ++u) {
    if (m_requests[u].adapter != kNoAdapter && m_requests[u].adapter >= m_adapters.size()) {
      throw std::invalid_argument(fmt::format("request {} names adapter {}, but the host has {}", u,
                                              m_requests[u].adapter, m_adapters.size()));
    }
    m_order.push_back(u);
    m_users[u].arrival_cycle = m_requests[u].arrival_cycle;
  }
  std::stable_sort(m_order.begin(), m_order.end(), [this](uint32_t a, uint32_t b) {
    return m_requests[a].arrival_cycle < m_requests[b].arrival_cycle;
  });
  SC_THREAD(run);
  SC_THREAD(reader);
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
  write32(protocol::kEmbedSeq, m_seq[input.user]);
  write32(protocol::kEmbedPos, input.pos);
  write32(protocol::kEmbedFlags, input.emit ? protocol::kEmbedEmit : 0);
  transport(tlm::TLM_WRITE_COMMAND, protocol::kEmbedWindow,
            reinterpret_cast<unsigned char*>(m_embedding.data()),
            m_embedding.size() * sizeof(float));
}

void Host::receive() {
  protocol::TokenEntry entry;
  transport(tlm::TLM_READ_COMMAND, protocol::kTokenFifo, reinterpret_cast<unsigned char*>(&entry),
            sizeof entry);
  --m_outstanding;
  if (entry.seq >= m_seq_user.size() || m_seq_user[entry.seq] == kNoUser)
    throw TransportError(fmt::format("token for unknown sequence {}", entry.seq));
  const uint32_t user_index = m_seq_user[entry.seq];
  UserTrace& user = m_users[user_index];
  const Request& request = m_requests[user_index];
  if ((entry.flags & protocol::kEmbedEmit) != 0) {
    user.generated.push_back(entry.token);
    user.token_cycles.push_back(cycle());
    if (user.generated.size() < request.n_generate) {
      m_ready.push_back({user_index, entry.token, entry.pos + 1, true});
    }
  }
  // Otherwise a prompt token: KV cache only.
  if (--m_entries_left[user_index] == 0) finish_user(user_index);
}

void Host::finish_user(uint32_t user) {
  const uint32_t seq = m_seq[user];
  write32(protocol::kSeqClose, seq);
  m_seq_user[seq] = kNoUser;
  m_users[user].closed_cycle = cycle();
  --m_active;
  ++m_done;
  if (m_on_change) m_on_change(cycle(), m_active);
}

uint32_t Host::user_of(uint32_t seq) const {
  if (seq >= m_seq_user.size() || m_seq_user[seq] == kNoUser)
    throw std::out_of_range(fmt::format("host: sequence {} is not open", seq));
  return m_seq_user[seq];
}

uint64_t Host::next_arrival() const { return m_requests[m_order[m_next_arrival]].arrival_cycle; }

void Host::admit() {
  const uint64_t now = cycle();
  while (arrivals_pending() && next_arrival() <= now)
    m_waiting.push_back(m_order[m_next_arrival++]);
  std::vector<uint32_t> batch;
  while (!m_waiting.empty()) {
    const uint32_t u = m_waiting.front();
    const Request& r = m_requests[u];
    const bool capped = m_policy.max_users > 0 && m_active >= m_policy.max_users;
    uint32_t seq = protocol::kSeqRefused;
    if (!capped) {
      write32(protocol::kSeqSeed, u);  // request u samples with seed + u, whatever its sequence
      write32(protocol::kSeqLora,
              r.adapter == kNoAdapter ? protocol::kLoraNone : m_loads.at(r.adapter).slot);
      write32(protocol::kSeqOpen, static_cast<uint32_t>(r.prompt.size()) + r.n_generate);
      seq = read32(protocol::kSeqId);
      if (seq == protocol::kSeqRefused && m_active == 0) {
        throw TransportError(fmt::format(
            "request {} can never be admitted: the chip refused its sequence ({} prompt + {} "
            "generated positions) with the KV SRAM empty; its KV cache alone exceeds the "
            "{} KiB of the KV SRAM (kv_sram.capacity_mib)",
            u, r.prompt.size(), r.n_generate, read32(protocol::kKvCapacityKib)));
      }
    }
    if (seq != protocol::kSeqRefused) {
      m_waiting.pop_front();
      m_seq[u] = seq;
      if (seq >= m_seq_user.size()) m_seq_user.resize(size_t{seq} + 1, kNoUser);
      m_seq_user[seq] = u;
      m_users[u].admitted_cycle = now;
      m_entries_left[u] = r.prompt.size() + (r.n_generate > 0 ? r.n_generate - 1 : 0);
      ++m_active;
      m_peak_users = std::max(m_peak_users, m_active);
      batch.push_back(u);
      if (m_on_change) m_on_change(now, m_active);
      continue;
    }
    if (m_policy.admission == Admission::Queue) break;  // until a sequence closes
    m_waiting.pop_front();
    m_users[u].refused = true;
    ++m_done;
  }
  // Prefill of the requests admitted together: their prompts interleaved token by token; the
  // last prompt token of a request that generates asks the LM head for a token.
  size_t longest = 0;
  for (const uint32_t u : batch) longest = std::max(longest, m_requests[u].prompt.size());
  for (size_t p = 0; p < longest; ++p) {
    for (const uint32_t u : batch) {
      const Request& r = m_requests[u];
      if (p >= r.prompt.size()) continue;
      const bool last = p + 1 == r.prompt.size();
      m_ready.push_back({u, r.prompt[p], static_cast<uint32_t>(p), last && r.n_generate > 0});
    }
  }
}

void Host::reader() {
  while (true) {
    wait(m_read_request);
    try {
      receive();
    } catch (const std::exception& e) {
      m_reader_error = e.what();
    }
    m_reading = false;
    m_read_done.notify(sc_core::SC_ZERO_TIME);
  }
}

void Host::serve() {
  for (const Request& r : m_requests) {
    if (r.prompt.empty()) throw std::invalid_argument("a user's prompt has no tokens");
  }
  while (true) {
    if (!m_reader_error.empty()) throw TransportError(m_reader_error);
    admit();
    if (m_done == m_requests.size() && !m_reading) break;
    // Drain finished tokens first, then send; read (blocking) when there is nothing to send.
    if (!m_reading) {
      bool drained = false;
      while (m_outstanding > 0 && read32(protocol::kTokenCount) > 0) {
        receive();
        drained = true;
      }
      if (drained) admit();
    }
    if (!m_ready.empty()) {
      const Input input = m_ready.front();
      m_ready.pop_front();
      send(input);
      ++m_outstanding;
    } else if (m_outstanding > 0 && !m_reading && !arrivals_pending()) {
      receive();
    } else if (m_outstanding > 0) {
      // A token or the next arrival, whichever comes first: the reader process blocks on the
      // token read meanwhile.
      if (!m_reading) {
        m_reading = true;
        m_read_request.notify(sc_core::SC_ZERO_TIME);
      }
      if (arrivals_pending()) {
        wait(m_period * static_cast<double>(next_arrival() - cycle()), m_read_done);
      } else {
        wait(m_read_done);
      }
    } else if (arrivals_pending()) {
      wait(m_period * static_cast<double>(next_arrival() - cycle()));
    } else if (m_done < m_requests.size()) {
      throw std::logic_error("host: requests wait but no sequence is open");
    }
  }
}

void Host::load_adapters() {
  for (Adapter& adapter : m_adapters) {
    AdapterLoad load;
    load.begin_cycle = cycle();
    write32(protocol::kLoraBegin, static_cast<uint32_t>(adapter.image.size()));
    for (size_t at = 0; at < adapter.image.size(); at += protocol::kLoraBurstBytes) {
      const size_t n = std::min<size_t>(protocol::kLoraBurstBytes, adapter.image.size() - at);
      transport(tlm::TLM_WRITE_COMMAND, protocol::kLoraWindow,
                reinterpret_cast<unsigned char*>(adapter.image.data() + at), n);
    }
    uint32_t scale_bits = 0;
    std::memcpy(&scale_bits, &adapter.scale, sizeof scale_bits);
    write32(protocol::kLoraCommit, scale_bits);
    load.slot = read32(protocol::kLoraSlot);
    if (load.slot == protocol::kLoraRefused) {
      throw TransportError(fmt::format(
          "LoRA adapter '{}' ({:.1f} KiB of A and B matrices) does not fit the LoRA SRAM: {} KiB "
          "of {} KiB are free (lora_sram.capacity_mib; every adapter the requests name is loaded "
          "at the start)",
          adapter.name, static_cast<double>(adapter.tensor_bytes) / 1024.0,
          read32(protocol::kLoraFreeKib), read32(protocol::kLoraCapacityKib)));
    }
    load.end_cycle = cycle();
    m_loads.push_back(load);
    adapter.image = {};  // the chip holds it now
  }
}

void Host::run() {
  try {
    if (read32(protocol::kId) != protocol::kIdValue) throw TransportError("no etchsim chip at 0x0");
    write32(protocol::kControl, protocol::kControlStart);
    load_adapters();
    serve();
    m_finished = true;
  } catch (const std::exception& e) {
    m_error = e.what();
  }
  m_last_cycle = cycle();
  // One more cycle lets trace files record the values of the last cycle before the stop.
  wait(m_period);
  sc_core::sc_stop();
  // Never return: SystemC 2.3.4 leaves a returning thread through its coroutine "abort" path,
  // which does not tell AddressSanitizer that the stack changed, so in sanitizer builds the main
  // thread would be taken to run on this thread's stack after sc_start and LeakSanitizer crashes
  // scanning it once it is unmapped. A wait that is never notified leaves through the ordinary
  // switch (docs/integration.md, "Ending the simulation").
  wait(m_never);
}

}  // namespace etchsim::host
