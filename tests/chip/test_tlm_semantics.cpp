// The chip's TLM-2.0 target semantics an integrator relies on (docs/integration.md "Timing",
// "Debug access", "DMI"): no read blocks forever, annotated delays are honoured without a forced
// wait where the answer does not depend on time, transport_dbg reads every readable register
// without side effects, DMI for the embedding staging buffer and a begun LoRA image, invalidated
// when the image is committed or replaced.
#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <array>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <systemc>
#include <vector>

#include "chip_test_models.hpp"
#include "etchsim/chip/chip.hpp"
#include "etchsim/gguf/reader.hpp"
#include "etchsim/golden/layer_datapath.hpp"
#include "etchsim/model/llama_model.hpp"
#include "etchsim/model/lora_synth.hpp"
#include "tlm_testbench.hpp"

namespace etchsim::chip {
namespace {

namespace a = protocol;
using sc_core::SC_NS;
using sc_core::sc_time;

using testing::Testbench;
using testing::tiny_params;

// Open a sequence of `positions` and stage its next embedding's registers.
uint32_t open_sequence(Testbench& t, uint32_t positions) {
  uint32_t seq = 0;
  EXPECT_EQ(t.write(a::kSeqOpen, positions), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(t.read(a::kSeqId, seq), tlm::TLM_OK_RESPONSE);
  return seq;
}

void stage(Testbench& t, uint32_t seq, uint32_t pos, uint32_t flags) {
  EXPECT_EQ(t.write(a::kEmbedSeq, seq), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(t.write(a::kEmbedPos, pos), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(t.write(a::kEmbedFlags, flags), tlm::TLM_OK_RESPONSE);
}

// The deadlock test: a token FIFO read with nothing in it and nothing in flight used to wait
// forever for an entry that could never come. It must answer with an error at once; a read while
// a token is in flight still blocks until the entry arrives. sc_start's time limit is the guard:
// a read that blocks leaves the body unfinished.
TEST(ChipTlmSemantics, EmptyFifoReadWithNothingInFlightFailsInsteadOfBlocking) {
  ChipParams params = tiny_params();
  params.lockstep = true;  // the clock keeps running: a blocked read would never be noticed
  Chip chip("chip", params);
  bool ran = false;
  Testbench tb("tb", [&](Testbench& t) {
    a::TokenEntry entry;
    EXPECT_EQ(t.access(tlm::TLM_READ_COMMAND, a::kTokenFifo, &entry, sizeof entry),
              tlm::TLM_GENERIC_ERROR_RESPONSE);
    // With a token in flight the read blocks until its entry is there, then the FIFO is empty
    // again and the next read fails.
    EXPECT_EQ(t.write(a::kControl, a::kControlStart), tlm::TLM_OK_RESPONSE);
    const uint32_t seq = open_sequence(t, 2);
    stage(t, seq, 0, a::kEmbedEmit);
    std::array<float, 64> embedding{};
    EXPECT_EQ(t.access(tlm::TLM_WRITE_COMMAND, a::kEmbedWindow, embedding.data(), sizeof embedding),
              tlm::TLM_OK_RESPONSE);
    const uint64_t sent = chip.cycle();
    EXPECT_EQ(t.access(tlm::TLM_READ_COMMAND, a::kTokenFifo, &entry, sizeof entry),
              tlm::TLM_OK_RESPONSE);
    EXPECT_GT(chip.cycle(), sent);
    EXPECT_EQ(entry.seq, seq);
    EXPECT_EQ(t.access(tlm::TLM_READ_COMMAND, a::kTokenFifo, &entry, sizeof entry),
              tlm::TLM_GENERIC_ERROR_RESPONSE);
    ran = true;
  });
  tb.socket.bind(chip.host_socket);
  sc_core::sc_start(sc_time(1'000'000, SC_NS));
  EXPECT_TRUE(ran) << "a token FIFO read blocked";
}

// Temporal decoupling: accesses whose answer does not depend on the cycle complete at the
// initiator's local time without advancing SystemC time, the target adding its latency to the
// delay; those that see the pipeline synchronise first and hand back a zero delay.
TEST(ChipTlmSemantics, AnnotatedDelaysAreHonouredWithoutAForcedWait) {
  ChipParams params = tiny_params();
  Chip chip("chip", params);
  bool ran = false;
  Testbench tb("tb", [&](Testbench& t) {
    const sc_time ahead(250, SC_NS);  // 250 cycles of local time offset
    uint32_t v = 0;
    sc_time delay = ahead;
    EXPECT_EQ(t.access(tlm::TLM_READ_COMMAND, a::kNEmbd, &v, 4, delay), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(v, 64u);
    EXPECT_EQ(delay, ahead);
    EXPECT_EQ(sc_core::sc_time_stamp(), sc_core::SC_ZERO_TIME);
    // The cycle counter reads the initiator's local time.
    EXPECT_EQ(t.access(tlm::TLM_READ_COMMAND, a::kCycleLow, &v, 4, delay), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(v, 250u);
    EXPECT_EQ(sc_core::sc_time_stamp(), sc_core::SC_ZERO_TIME);
    // Staging registers and a LoRA burst: no wait; the burst adds its link transfer.
    uint32_t seq_value = 0;
    EXPECT_EQ(t.access(tlm::TLM_WRITE_COMMAND, a::kEmbedSeq, &seq_value, 4, delay),
              tlm::TLM_OK_RESPONSE);
    uint32_t bytes = 64;
    EXPECT_EQ(t.access(tlm::TLM_WRITE_COMMAND, a::kLoraBegin, &bytes, 4, delay),
              tlm::TLM_OK_RESPONSE);
    std::array<unsigned char, 64> burst{};
    EXPECT_EQ(t.access(tlm::TLM_WRITE_COMMAND, a::kLoraWindow, burst.data(), burst.size(), delay),
              tlm::TLM_OK_RESPONSE);
    const uint64_t burst_cycles = arch::ceil_div(burst.size(), params.config.host.bytes_per_cycle);
    EXPECT_EQ(delay, ahead + sc_time(static_cast<double>(burst_cycles), SC_NS));
    EXPECT_EQ(sc_core::sc_time_stamp(), sc_core::SC_ZERO_TIME);
    // STATUS sees the pipeline: the target waits out the offset and returns zero.
    EXPECT_EQ(t.access(tlm::TLM_READ_COMMAND, a::kStatus, &v, 4, delay), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(delay, sc_core::SC_ZERO_TIME);
    EXPECT_EQ(chip.cycle(), 250u + burst_cycles);
    ran = true;
  });
  tb.socket.bind(chip.host_socket);
  sc_core::sc_start();
  EXPECT_TRUE(ran);
}

// transport_dbg answers every readable register with the value b_transport gives, peeks at the
// token FIFO without popping it, takes no time and refuses writes and write-only registers.
TEST(ChipTlmSemantics, DebugTransportReadsEveryReadableRegister) {
  Chip chip("chip", tiny_params());
  bool ran = false;
  Testbench tb("tb", [&](Testbench& t) {
    EXPECT_EQ(t.write(a::kControl, a::kControlStart), tlm::TLM_OK_RESPONSE);
    const uint32_t seq = open_sequence(t, 4);
    stage(t, seq, 0, a::kEmbedEmit);
    std::array<float, 64> embedding{};
    EXPECT_EQ(t.access(tlm::TLM_WRITE_COMMAND, a::kEmbedWindow, embedding.data(), sizeof embedding),
              tlm::TLM_OK_RESPONSE);
    wait(sc_time(2000, SC_NS));  // the entry is in the FIFO by now
    const uint64_t readable[] = {
        a::kId,        a::kStatus,  a::kCycleLow, a::kCycleHigh,       a::kTokenCount,
        a::kNLayer,    a::kNEmbd,   a::kNVocab,   a::kClockKhz,        a::kKvCapacityKib,
        a::kKvFreeKib, a::kSeqId,   a::kEmbedSeq, a::kEmbedPos,        a::kEmbedFlags,
        a::kSeqLora,   a::kSeqSeed, a::kLoraSlot, a::kLoraCapacityKib, a::kLoraFreeKib};
    for (const uint64_t address : readable) {
      uint32_t debug = 0xdeadbeef, normal = 0;
      const sc_time before = sc_core::sc_time_stamp();
      EXPECT_EQ(t.debug_read(address, &debug, 4), 4u) << std::hex << address;
      EXPECT_EQ(sc_core::sc_time_stamp(), before);
      EXPECT_EQ(t.read(address, normal), tlm::TLM_OK_RESPONSE) << std::hex << address;
      EXPECT_EQ(debug, normal) << std::hex << address;
    }
    uint32_t v = 0;
    EXPECT_EQ(t.debug_read(a::kTokenCount, &v, 4), 4u);
    EXPECT_EQ(v, 1u);
    EXPECT_EQ(t.debug_read(a::kStatus, &v, 4), 4u);
    EXPECT_NE(v & a::kStatusTokenReady, 0u);
    // A peek: the entry stays.
    a::TokenEntry peeked, popped;
    EXPECT_EQ(t.debug_read(a::kTokenFifo, &peeked, sizeof peeked), sizeof peeked);
    EXPECT_EQ(t.debug_read(a::kTokenCount, &v, 4), 4u);
    EXPECT_EQ(v, 1u);
    EXPECT_EQ(t.access(tlm::TLM_READ_COMMAND, a::kTokenFifo, &popped, sizeof popped),
              tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(std::memcmp(&peeked, &popped, sizeof peeked), 0);
    EXPECT_EQ(t.debug_read(a::kTokenFifo, &peeked, sizeof peeked), 0u);  // empty now
    // Write-only, unmapped, wrong length, and writes: 0 bytes.
    EXPECT_EQ(t.debug_read(a::kSeqOpen, &v, 4), 0u);
    EXPECT_EQ(t.debug_read(a::kEmbedSubmit, &v, 4), 0u);
    EXPECT_EQ(t.debug_read(0x0ffc, &v, 4), 0u);
    uint64_t wide = 0;
    EXPECT_EQ(t.debug_read(a::kId, &wide, 8), 0u);
    tlm::tlm_generic_payload w;
    Testbench::setup(w, tlm::TLM_WRITE_COMMAND, a::kEmbedSeq, &v, 4);
    EXPECT_EQ(t.socket->transport_dbg(w), 0u);
    ran = true;
  });
  tb.socket.bind(chip.host_socket);
  sc_core::sc_start();
  EXPECT_TRUE(ran);
}

// DMI for the embedding window: write-only, zero latency (the transfer is charged at
// EMBED_SUBMIT), and an embedding staged through it gives the same logits as one written with
// b_transport. Registers and the FIFO are not memory: refused.
TEST(ChipTlmSemantics, EmbeddingThroughDmiEqualsEmbeddingThroughTransport) {
  const model::LlamaShape shape = *model::named_shape("tiny");
  const auto path = testing::synth(shape, model::QuantScheme::Q8_0);
  const gguf::GgufFile file = gguf::GgufFile::open(path);
  const model::LlamaModel model(file);
  const golden::LayerDatapath datapath(model, numerics::kDefaultCpuProfile, numerics::Kernel::Fast);
  ChipParams params = tiny_params();
  params.datapath = &datapath;
  Chip chip("chip", params);
  std::map<uint32_t, std::vector<float>> logits;  // per sequence
  chip.on_logits([&](const TokenTag& tag, std::span<const float> row) {
    logits[tag.seq].assign(row.begin(), row.end());
  });
  bool ran = false;
  Testbench tb("tb", [&](Testbench& t) {
    tlm::tlm_dmi dmi;
    EXPECT_FALSE(t.dmi(a::kStatus, dmi));
    EXPECT_FALSE(t.dmi(a::kTokenFifo, dmi));
    EXPECT_FALSE(t.dmi(a::kLoraWindow, dmi));  // no LoRA image begun
    ASSERT_TRUE(t.dmi(a::kEmbedWindow + 8, dmi));
    EXPECT_EQ(dmi.get_start_address(), a::kEmbedWindow);
    EXPECT_EQ(dmi.get_end_address(), a::kEmbedWindow + 64 * sizeof(float) - 1);
    EXPECT_TRUE(dmi.is_write_allowed());
    EXPECT_FALSE(dmi.is_read_allowed());
    EXPECT_EQ(dmi.get_write_latency(), sc_core::SC_ZERO_TIME);
    EXPECT_FALSE(t.dmi(a::kEmbedWindow + 64 * sizeof(float), dmi));  // past the staging buffer
    ASSERT_TRUE(t.dmi(a::kEmbedWindow, dmi));

    EXPECT_EQ(t.write(a::kControl, a::kControlStart), tlm::TLM_OK_RESPONSE);
    std::vector<float> x(64), y(64);
    for (size_t i = 0; i < 64; ++i) {
      x[i] = 0.01f * static_cast<float>(i) - 0.3f;
      y[i] = 0.2f - 0.005f * static_cast<float>(i * i % 17);
    }
    // Sequence 0: x through b_transport. Sequence 1: y through DMI + EMBED_SUBMIT. Sequence 2:
    // y through b_transport.
    const uint32_t s0 = open_sequence(t, 1), s1 = open_sequence(t, 1), s2 = open_sequence(t, 1);
    stage(t, s0, 0, a::kEmbedEmit);
    EXPECT_EQ(t.access(tlm::TLM_WRITE_COMMAND, a::kEmbedWindow, x.data(), 64 * sizeof(float)),
              tlm::TLM_OK_RESPONSE);
    stage(t, s1, 0, a::kEmbedEmit);
    std::memcpy(dmi.get_dmi_ptr(), y.data(), 64 * sizeof(float));
    const uint64_t before = chip.cycle();
    EXPECT_EQ(t.write(a::kEmbedSubmit, 0), tlm::TLM_OK_RESPONSE);
    // The submit keeps the initiator busy for the embedding's transfer, as the window write does.
    EXPECT_GE(chip.cycle() - before, arch::embedding_transfer_cycles(shape, params.config.host));
    stage(t, s2, 0, a::kEmbedEmit);
    EXPECT_EQ(t.access(tlm::TLM_WRITE_COMMAND, a::kEmbedWindow, y.data(), 64 * sizeof(float)),
              tlm::TLM_OK_RESPONSE);
    a::TokenEntry entry;
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(t.access(tlm::TLM_READ_COMMAND, a::kTokenFifo, &entry, sizeof entry),
                tlm::TLM_OK_RESPONSE);
    }
    ran = true;
  });
  tb.socket.bind(chip.host_socket);
  sc_core::sc_start();
  ASSERT_TRUE(ran);
  ASSERT_EQ(logits.size(), 3u);
  EXPECT_EQ(logits[1], logits[2]);
  EXPECT_NE(logits[0], logits[1]);
}

// DMI for the LoRA window: granted for the image begun with LORA_BEGIN (write-only, its size),
// committed like a streamed image (the link transfer charged at commit), and invalidated when
// the image is committed or a new one is begun.
TEST(ChipTlmSemantics, LoraImageThroughDmiIsCommittedAndInvalidated) {
  const model::LlamaShape shape = *model::named_shape("tiny");
  const auto adapter_path = testing::temp_dir() / "tiny-lora-dmi.gguf";
  model::synth_lora(shape, {.rank = 4, .type = gguf::GgmlType::F16}, adapter_path);
  std::ifstream in(adapter_path, std::ios::binary);
  std::vector<unsigned char> image{std::istreambuf_iterator<char>(in), {}};
  ChipParams params = tiny_params();
  params.config.lora_sram.capacity_mib = 4.0 / 1024.0;  // 2 KiB per layer: one adapter
  Chip chip("chip", params);
  bool ran = false;
  Testbench tb("tb", [&](Testbench& t) {
    tlm::tlm_dmi dmi;
    EXPECT_EQ(t.write(a::kLoraBegin, static_cast<uint32_t>(image.size())), tlm::TLM_OK_RESPONSE);
    ASSERT_TRUE(t.dmi(a::kLoraWindow, dmi));
    EXPECT_EQ(dmi.get_start_address(), a::kLoraWindow);
    EXPECT_EQ(dmi.get_end_address(), a::kLoraWindow + image.size() - 1);
    EXPECT_TRUE(dmi.is_write_allowed());
    EXPECT_FALSE(dmi.is_read_allowed());
    EXPECT_FALSE(t.dmi(a::kLoraWindow + image.size(), dmi));  // past the image
    ASSERT_TRUE(t.dmi(a::kLoraWindow, dmi));
    std::memcpy(dmi.get_dmi_ptr(), image.data(), image.size());
    EXPECT_TRUE(t.invalidations.empty());
    float scale = 1.0f;
    uint32_t bits = 0, slot = 0;
    std::memcpy(&bits, &scale, 4);
    const uint64_t before = chip.cycle();
    EXPECT_EQ(t.write(a::kLoraCommit, bits), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(chip.cycle() - before,
              arch::ceil_div(image.size(), params.config.host.bytes_per_cycle));
    EXPECT_EQ(t.read(a::kLoraSlot, slot), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(slot, 0u) << chip.lora_sram().refusal();
    ASSERT_EQ(t.invalidations.size(), 1u);
    EXPECT_EQ(t.invalidations[0].first, a::kLoraWindow);
    EXPECT_EQ(t.invalidations[0].second, a::kLoraWindow + a::kLoraWindowSize - 1);
    EXPECT_FALSE(t.dmi(a::kLoraWindow, dmi));  // nothing begun any more
    // A grant, then a new LORA_BEGIN: the old buffer is invalidated.
    EXPECT_EQ(t.write(a::kLoraBegin, 100), tlm::TLM_OK_RESPONSE);
    ASSERT_TRUE(t.dmi(a::kLoraWindow, dmi));
    EXPECT_EQ(t.write(a::kLoraBegin, 200), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(t.invalidations.size(), 2u);
    // An image bigger than the window is not granted (it can still be streamed in bursts).
    EXPECT_EQ(t.write(a::kLoraBegin, static_cast<uint32_t>(a::kLoraWindowSize + 1)),
              tlm::TLM_OK_RESPONSE);
    EXPECT_FALSE(t.dmi(a::kLoraWindow, dmi));
    ran = true;
  });
  tb.socket.bind(chip.host_socket);
  sc_core::sc_start();
  EXPECT_TRUE(ran);
}

}  // namespace
}  // namespace etchsim::chip
