// The example's CPU: a second, independent TLM-2.0 initiator (it shares no code with etchsim's
// built-in host) that runs one request of a prompt script on the chip through its target socket,
// using only the register protocol of etchsim/protocol/address_map.hpp (docs/integration.md).
//
// Loosely timed with temporal decoupling: the CPU keeps a local time offset in a
// tlm_utils::tlm_quantumkeeper, passes it as the annotated delay of every b_transport, takes the
// delay the chip returns as its new offset, and synchronises when the offset reaches the global
// quantum. Each access first costs `access_cycles` CPU cycles (the CPU is clocked with the chip).
// Embeddings go through DMI into the chip's staging buffer (then EMBED_SUBMIT); status polls
// (TOKEN_COUNT, the cycle counter) are debug reads (transport_dbg) after synchronising, since a
// debug read sees the chip at SystemC time, not at the CPU's local time.
//
// It feeds tokens in the order etchsim's host does for one request (open the sequence; each
// prompt token's embedding back to back, draining finished entries before each; then each
// generated token fed back as soon as its entry is read; close the sequence after the last entry),
// so with access_cycles = 0 the chip's cycles equal `etchsim run`'s for the same model and prompt.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

namespace vp {

struct CpuParams {
  std::vector<int32_t> prompt;
  uint32_t n_generate = 0;
  uint64_t access_cycles = 0;  // CPU cycles each access costs before it issues
  sc_core::sc_time clock_period = sc_core::sc_time(1, sc_core::SC_NS);
};

// What the CPU saw: the generated tokens and the cycle each reached it, the chip's cycle counter
// when the sequence was closed, the accesses it made.
struct CpuResult {
  std::vector<int32_t> tokens;
  std::vector<uint64_t> token_cycles;
  uint64_t first_input_cycle = 0;
  uint64_t closed_cycle = 0;  // the chip's CYCLE register after SEQ_CLOSE
  uint64_t accesses = 0;      // b_transport calls
  uint64_t debug_reads = 0;   // transport_dbg calls
  uint64_t syncs = 0;         // quantum keeper synchronisations
};

class Cpu : public sc_core::sc_module {
 public:
  // The embedding row of a token (n_embd floats): the table lives with the CPU, not the chip.
  using EmbedFn = std::function<void(int32_t token, std::span<float> out)>;

  tlm_utils::simple_initiator_socket<Cpu> socket;

  SC_HAS_PROCESS(Cpu);
  Cpu(sc_core::sc_module_name name, CpuParams params, EmbedFn embed);

  bool finished() const { return m_finished; }
  const std::string& error() const { return m_error; }  // why it stopped early
  const CpuResult& result() const { return m_result; }
  // Called when a generated token reaches the CPU (position, token, cycle).
  std::function<void(uint32_t pos, int32_t token, uint64_t cycle)> on_token;

 private:
  struct Input {
    int32_t token;
    uint32_t pos;
    bool emit;  // the LM head picks a token after this one
  };
  void run();
  void program();
  void access(tlm::tlm_command command, uint64_t address, void* data, size_t length);
  uint32_t read32(uint64_t address);
  uint32_t debug_read32(uint64_t address);
  void acquire_embedding_dmi();
  void invalidate_dmi(sc_dt::uint64 start, sc_dt::uint64 end);
  void write32(uint64_t address, uint32_t value);
  void send(const Input& input);
  void receive();
  uint64_t now_cycle() const;

  CpuParams m_params;
  EmbedFn m_embed;
  tlm_utils::tlm_quantumkeeper m_qk;
  sc_core::sc_event m_never;  // never notified: run() waits on it after sc_stop()
  sc_core::sc_time m_access_cost;
  uint32_t m_seq = 0;
  std::vector<float> m_embedding;
  unsigned char* m_embed_dmi = nullptr;  // the chip's staging buffer; nullptr: use b_transport
  sc_core::sc_time m_embed_dmi_latency;
  std::deque<Input> m_ready;
  uint64_t m_outstanding = 0;   // embeddings sent whose token-out entry is unread
  uint64_t m_entries_left = 0;  // token-out entries still to come for the request
  bool m_finished = false;
  std::string m_error;
  CpuResult m_result;
};

}  // namespace vp
