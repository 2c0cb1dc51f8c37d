// The host (DESIGN.md "host/"): a TLM-2.0 initiator that opens one sequence per user, streams
// the prompts' embeddings into the chip back to back (users interleaved token by token), reads
// the token-out FIFO and feeds every generated token back until each user has its tokens.
// All accesses are blocking b_transport calls: the chip holds an embedding write while its
// input register is full (backpressure) and a token read until a token is there.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

namespace etchsim::host {

struct Request {
  std::vector<int32_t> prompt;
  uint32_t n_generate = 0;
};

struct UserTrace {
  std::vector<int32_t> generated;
  std::vector<uint64_t> token_cycles;  // cycle each generated token reached the host
  uint64_t first_input_cycle = 0;
};

class Host : public sc_core::sc_module {
 public:
  // Writes the embedding of a token (n_embd floats); timing-only runs send zeros.
  using EmbedFn = std::function<void(int32_t token, std::span<float> out)>;

  tlm_utils::simple_initiator_socket<Host> socket;

  SC_HAS_PROCESS(Host);
  Host(sc_core::sc_module_name name, std::vector<Request> requests, uint32_t n_embd, EmbedFn embed,
       sc_core::sc_time clock_period);

  const std::vector<UserTrace>& users() const { return m_users; }
  bool finished() const { return m_finished; }
  // Why the run stopped early (a refused sequence, a TLM error); empty when it finished.
  const std::string& error() const { return m_error; }
  uint64_t last_cycle() const { return m_last_cycle; }

 private:
  struct Input {
    uint32_t user;
    int32_t token;
    uint32_t pos;
    bool emit;
  };
  void run();
  uint32_t read32(uint64_t address);
  void write32(uint64_t address, uint32_t value);
  void transport(tlm::tlm_command command, uint64_t address, unsigned char* data, size_t length);
  uint64_t cycle() const;
  void send(const Input& input);
  void receive();

  std::vector<Request> m_requests;
  uint32_t m_n_embd;
  EmbedFn m_embed;
  sc_core::sc_time m_period;
  std::vector<UserTrace> m_users;
  std::vector<uint32_t> m_seq;  // chip sequence id per user
  std::deque<Input> m_ready;
  std::vector<float> m_embedding;
  bool m_finished = false;
  std::string m_error;
  uint64_t m_last_cycle = 0;
};

}  // namespace etchsim::host
