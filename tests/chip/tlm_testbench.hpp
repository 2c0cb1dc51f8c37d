// The TLM initiator of the chip's socket tests (test_tlm_target.cpp, test_tlm_semantics.cpp): runs
// `body` in an SC_THREAD and stops the simulation when it returns; plain, debug and DMI access,
// with the annotated delay either waited out or handed back to the caller.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>

#include <functional>
#include <systemc>
#include <utility>
#include <vector>

#include "chip_test_models.hpp"
#include "etchsim/chip/chip.hpp"

namespace etchsim::chip::testing {

struct Testbench : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Testbench> socket{"socket"};
  std::function<void(Testbench&)> body;
  std::vector<std::pair<uint64_t, uint64_t>> invalidations;  // DMI ranges the target revoked
  SC_HAS_PROCESS(Testbench);
  Testbench(sc_core::sc_module_name name, std::function<void(Testbench&)> fn)
      : sc_module(name), body(std::move(fn)) {
    socket.register_invalidate_direct_mem_ptr(this, &Testbench::invalidate);
    SC_THREAD(run);
  }
  void run() {
    body(*this);
    sc_core::sc_stop();
    sc_core::wait(never);  // never return: see Host::run and docs/integration.md
  }
  sc_core::sc_event never;
  void invalidate(sc_dt::uint64 start, sc_dt::uint64 end) {
    invalidations.emplace_back(start, end);
  }
  static void setup(tlm::tlm_generic_payload& t, tlm::tlm_command cmd, uint64_t address, void* data,
                    size_t length, unsigned char* byte_enable = nullptr) {
    t.set_command(cmd);
    t.set_address(address);
    t.set_data_ptr(static_cast<unsigned char*>(data));
    t.set_data_length(static_cast<unsigned>(length));
    t.set_streaming_width(static_cast<unsigned>(length));
    t.set_byte_enable_ptr(byte_enable);
    if (byte_enable != nullptr) t.set_byte_enable_length(static_cast<unsigned>(length));
    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  }
  // b_transport with `delay` passed in and handed back (the caller decides whether to wait it).
  tlm::tlm_response_status access(tlm::tlm_command cmd, uint64_t address, void* data, size_t length,
                                  sc_core::sc_time& delay) {
    tlm::tlm_generic_payload t;
    setup(t, cmd, address, data, length);
    socket->b_transport(t, delay);
    return t.get_response_status();
  }
  // b_transport from zero delay, the returned delay waited out.
  tlm::tlm_response_status access(tlm::tlm_command cmd, uint64_t address, void* data, size_t length,
                                  unsigned char* byte_enable = nullptr) {
    tlm::tlm_generic_payload t;
    setup(t, cmd, address, data, length, byte_enable);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    socket->b_transport(t, delay);
    if (delay > sc_core::SC_ZERO_TIME) wait(delay);
    return t.get_response_status();
  }
  tlm::tlm_response_status read(uint64_t address, uint32_t& value) {
    return access(tlm::TLM_READ_COMMAND, address, &value, 4);
  }
  tlm::tlm_response_status write(uint64_t address, uint32_t value) {
    return access(tlm::TLM_WRITE_COMMAND, address, &value, 4);
  }
  unsigned debug_read(uint64_t address, void* data, size_t length) {
    tlm::tlm_generic_payload t;
    setup(t, tlm::TLM_READ_COMMAND, address, data, length);
    return socket->transport_dbg(t);
  }
  bool dmi(uint64_t address, tlm::tlm_dmi& out) {
    uint32_t unused = 0;
    tlm::tlm_generic_payload t;
    setup(t, tlm::TLM_WRITE_COMMAND, address, &unused, 4);
    return socket->get_direct_mem_ptr(t, out);
  }
};

// The tiny shape on the tiny configuration, 16 positions.
inline ChipParams tiny_params() {
  ChipParams p;
  p.config = tiny_config();
  p.shape = *model::named_shape("tiny");
  p.max_positions = 16;
  return p;
}

}  // namespace etchsim::chip::testing
