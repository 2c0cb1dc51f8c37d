// The host (docs/design.md "host/"): a TLM-2.0 initiator that serves a set of requests. A request
// waits until its arrival cycle; it is admitted when the chip opens its sequence (SEQ_OPEN). The
// host streams the prompts' embeddings into the chip back to back (the prompts of requests
// admitted together interleaved token by token), reads the token-out FIFO, feeds every generated
// token back, and closes a request's sequence as soon as its last token arrives, which frees its
// KV SRAM for the next waiting request. When the KV SRAM (or the max_users cap) cannot take a
// request, the policy either queues it (first come, first served) until a sequence closes, or
// refuses it (recorded; the run goes on). A request that cannot fit even the empty KV SRAM ends
// the run with an error. LoRA adapters are loaded first, all of them, before any request is
// admitted (every adapter the requests name must fit the LoRA SRAM at once). All accesses are
// blocking b_transport calls: the chip holds an embedding write while its input register is full
// (backpressure) and a token read until a token is there; while requests are still to arrive, a
// helper process does the blocking read so that an arrival is admitted at its own cycle.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

namespace etchsim::host {

inline constexpr uint32_t kNoAdapter = UINT32_MAX;

struct Request {
  std::vector<int32_t> prompt;
  uint32_t n_generate = 0;
  uint64_t arrival_cycle = 0;
  uint32_t adapter = kNoAdapter;  // index into the host's adapters
};

// A LoRA adapter the host loads into the chip before serving: its GGUF image, streamed through
// the LoRA window, and llama.cpp's user scale.
struct Adapter {
  std::string name;
  std::vector<std::byte> image;
  float scale = 1.0f;
  uint64_t tensor_bytes = 0;  // A and B bytes: what the LoRA SRAM holds (for error messages)
};

// One adapter's load: the chip's slot and the cycles the host spent streaming it.
struct AdapterLoad {
  uint32_t slot = 0;
  uint64_t begin_cycle = 0;
  uint64_t end_cycle = 0;
};

enum class Admission { Queue, Refuse };

struct Policy {
  Admission admission = Admission::Queue;
  uint32_t max_users = 0;  // users in flight at most; 0: no cap but the KV SRAM
};

struct UserTrace {
  std::vector<int32_t> generated;
  std::vector<uint64_t> token_cycles;  // cycle each generated token reached the host
  uint64_t arrival_cycle = 0;
  uint64_t admitted_cycle = 0;  // the chip opened the sequence
  uint64_t first_input_cycle = 0;
  uint64_t closed_cycle = 0;  // the host closed the sequence (its last token arrived)
  bool refused = false;
};

class Host : public sc_core::sc_module {
 public:
  // Writes the embedding of a token (n_embd floats); timing-only runs send zeros.
  using EmbedFn = std::function<void(int32_t token, std::span<float> out)>;
  // Called after every sequence open and close (the KV SRAM's allocation changed).
  using ChangeFn = std::function<void(uint64_t cycle, uint32_t users_in_flight)>;

  tlm_utils::simple_initiator_socket<Host> socket;

  SC_HAS_PROCESS(Host);
  Host(sc_core::sc_module_name name, std::vector<Request> requests, uint32_t n_embd, EmbedFn embed,
       sc_core::sc_time clock_period, Policy policy = {}, std::vector<Adapter> adapters = {});

  void on_change(ChangeFn fn) { m_on_change = std::move(fn); }
  const std::vector<UserTrace>& users() const { return m_users; }
  bool finished() const { return m_finished; }
  // Why the run stopped early (a request that can never fit, a TLM error); empty when finished.
  const std::string& error() const { return m_error; }
  uint64_t last_cycle() const { return m_last_cycle; }
  uint32_t peak_users() const { return m_peak_users; }
  const std::vector<AdapterLoad>& adapter_loads() const { return m_loads; }
  // The request an open chip sequence serves (sequence ids are reused after a close).
  uint32_t user_of(uint32_t seq) const;

 private:
  struct Input {
    uint32_t user;
    int32_t token;
    uint32_t pos;
    bool emit;
  };
  void run();
  void load_adapters();
  void reader();
  void serve();
  void admit();
  bool arrivals_pending() const { return m_next_arrival < m_order.size(); }
  uint64_t next_arrival() const;
  uint32_t read32(uint64_t address);
  void write32(uint64_t address, uint32_t value);
  void transport(tlm::tlm_command command, uint64_t address, unsigned char* data, size_t length);
  uint64_t cycle() const;
  void send(const Input& input);
  void receive();
  void finish_user(uint32_t user);

  std::vector<Request> m_requests;
  uint32_t m_n_embd;
  EmbedFn m_embed;
  sc_core::sc_time m_period;
  Policy m_policy;
  std::vector<Adapter> m_adapters;
  std::vector<AdapterLoad> m_loads;
  ChangeFn m_on_change;
  std::vector<UserTrace> m_users;
  std::vector<uint32_t> m_order;  // request indices by arrival cycle (stable)
  size_t m_next_arrival = 0;      // into m_order
  std::deque<uint32_t> m_waiting;
  // Open chip sequence -> user (kNoUser when closed); the chip reuses ids lowest first, so this
  // stays as short as the most sequences open at once.
  static constexpr uint32_t kNoUser = UINT32_MAX;
  std::vector<uint32_t> m_seq_user;
  std::vector<uint32_t> m_seq;           // chip sequence id per user (while open)
  std::vector<uint64_t> m_entries_left;  // token-out entries still to come per user
  std::deque<Input> m_ready;
  std::vector<float> m_embedding;
  uint64_t m_outstanding = 0;  // embeddings sent whose token-out entry has not been read
  size_t m_done = 0;           // requests finished or refused
  uint32_t m_active = 0;       // sequences open
  uint32_t m_peak_users = 0;
  bool m_reading = false;  // the reader process is in a blocking token read
  std::string m_reader_error;
  sc_core::sc_event m_read_request, m_read_done;
  sc_core::sc_event m_never;  // never notified: run() waits on it after sc_stop()
  bool m_finished = false;
  std::string m_error;
  uint64_t m_last_cycle = 0;
};

}  // namespace etchsim::host
