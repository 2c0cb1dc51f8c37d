// The chip's TLM-2.0 target: the address map answers valid accesses and gives
// the documented error response to every bad one (address, length, direction, byte enables).
#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <array>
#include <fstream>
#include <functional>
#include <iterator>
#include <systemc>
#include <vector>

#include "chip_test_models.hpp"
#include "etchsim/chip/chip.hpp"
#include "etchsim/gguf/reader.hpp"
#include "etchsim/model/lora_synth.hpp"
#include "tlm_testbench.hpp"

namespace etchsim::chip {
namespace {

namespace a = protocol;

using testing::Testbench;
using testing::tiny_params;

TEST(ChipTlm, RegistersAndErrorResponses) {
  Chip chip("chip", tiny_params());
  bool ran = false;
  Testbench tb("tb", [&](Testbench& t) {
    uint32_t v = 0;
    EXPECT_EQ(t.read(a::kId, v), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(v, a::kIdValue);
    EXPECT_EQ(t.read(a::kNLayer, v), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(v, 2u);
    EXPECT_EQ(t.read(a::kNEmbd, v), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(v, 64u);
    EXPECT_EQ(t.read(a::kKvCapacityKib, v), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(v, 1024u);
    // Out of the map.
    EXPECT_EQ(t.read(0x0ffc, v), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(t.read(0x8000'0000, v), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    // Read-only registers refuse writes; write-only ones refuse reads.
    EXPECT_EQ(t.write(a::kId, 1), tlm::TLM_COMMAND_ERROR_RESPONSE);
    EXPECT_EQ(t.write(a::kCycleLow, 1), tlm::TLM_COMMAND_ERROR_RESPONSE);
    EXPECT_EQ(t.write(a::kSeqId, 1), tlm::TLM_COMMAND_ERROR_RESPONSE);
    EXPECT_EQ(t.read(a::kSeqOpen, v), tlm::TLM_COMMAND_ERROR_RESPONSE);
    // Wrong lengths and alignment.
    uint64_t wide = 0;
    EXPECT_EQ(t.access(tlm::TLM_READ_COMMAND, a::kId, &wide, 8), tlm::TLM_BURST_ERROR_RESPONSE);
    EXPECT_EQ(t.access(tlm::TLM_READ_COMMAND, a::kId + 2, &v, 4), tlm::TLM_BURST_ERROR_RESPONSE);
    std::array<float, 63> short_embedding{};
    EXPECT_EQ(t.access(tlm::TLM_WRITE_COMMAND, a::kEmbedWindow, short_embedding.data(),
                       sizeof short_embedding),
              tlm::TLM_BURST_ERROR_RESPONSE);
    std::array<uint32_t, 2> half_entry{};
    EXPECT_EQ(t.access(tlm::TLM_READ_COMMAND, a::kTokenFifo, half_entry.data(), 8),
              tlm::TLM_BURST_ERROR_RESPONSE);
    // Byte enables are not supported.
    std::array<unsigned char, 4> enables{0xff, 0, 0xff, 0};
    EXPECT_EQ(t.access(tlm::TLM_READ_COMMAND, a::kId, &v, 4, enables.data()),
              tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    // The LoRA window: bursts at its base only, writes only, after LORA_BEGIN.
    EXPECT_EQ(t.write(a::kLoraWindow + 4, 0), tlm::TLM_BURST_ERROR_RESPONSE);
    EXPECT_EQ(t.read(a::kLoraWindow, v), tlm::TLM_COMMAND_ERROR_RESPONSE);
    EXPECT_EQ(t.write(a::kLoraWindow, 0), tlm::TLM_GENERIC_ERROR_RESPONSE);
    std::vector<unsigned char> too_long(a::kLoraBurstBytes + 1);
    EXPECT_EQ(t.access(tlm::TLM_WRITE_COMMAND, a::kLoraWindow, too_long.data(), too_long.size()),
              tlm::TLM_BURST_ERROR_RESPONSE);
    EXPECT_EQ(t.read(a::kLoraBegin, v), tlm::TLM_COMMAND_ERROR_RESPONSE);
    EXPECT_EQ(t.write(a::kLoraSlot, 0), tlm::TLM_COMMAND_ERROR_RESPONSE);
    EXPECT_EQ(t.write(a::kSeqLora, 0), tlm::TLM_GENERIC_ERROR_RESPONSE);  // no adapter resident
    EXPECT_EQ(t.write(a::kLoraUnload, 0), tlm::TLM_GENERIC_ERROR_RESPONSE);
    // An embedding before start, or for a sequence that is not open, is refused.
    std::array<float, 64> embedding{};
    EXPECT_EQ(t.access(tlm::TLM_WRITE_COMMAND, a::kEmbedWindow, embedding.data(), sizeof embedding),
              tlm::TLM_GENERIC_ERROR_RESPONSE);
    EXPECT_EQ(t.write(a::kControl, a::kControlStart), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(t.access(tlm::TLM_WRITE_COMMAND, a::kEmbedWindow, embedding.data(), sizeof embedding),
              tlm::TLM_GENERIC_ERROR_RESPONSE);
    // Closing a sequence that is not open is refused.
    EXPECT_EQ(t.write(a::kSeqClose, 3), tlm::TLM_GENERIC_ERROR_RESPONSE);

    // A valid round trip: open, send one embedding, read its entry, close.
    EXPECT_EQ(t.write(a::kSeqOpen, 4), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(t.read(a::kSeqId, v), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(v, 0u);
    const uint32_t seq = v;
    EXPECT_EQ(t.write(a::kEmbedSeq, seq), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(t.write(a::kEmbedPos, 0), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(t.write(a::kEmbedFlags, a::kEmbedEmit), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(t.access(tlm::TLM_WRITE_COMMAND, a::kEmbedWindow, embedding.data(), sizeof embedding),
              tlm::TLM_OK_RESPONSE);
    // A sequence with a token in flight cannot close.
    EXPECT_EQ(t.write(a::kSeqClose, seq), tlm::TLM_GENERIC_ERROR_RESPONSE);
    EXPECT_EQ(t.read(a::kStatus, v), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(v & a::kStatusIdle, 0u);
    a::TokenEntry entry;
    EXPECT_EQ(t.access(tlm::TLM_READ_COMMAND, a::kTokenFifo, &entry, sizeof entry),
              tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(entry.seq, seq);
    EXPECT_EQ(entry.pos, 0u);
    EXPECT_EQ(entry.flags, a::kEmbedEmit);
    EXPECT_EQ(entry.token, -1);  // timing only: no token chosen
    EXPECT_EQ(t.write(a::kSeqClose, seq), tlm::TLM_OK_RESPONSE);
    // Position beyond the sequence's reservation.
    EXPECT_EQ(t.write(a::kSeqOpen, 2), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(t.write(a::kEmbedPos, 2), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(t.access(tlm::TLM_WRITE_COMMAND, a::kEmbedWindow, embedding.data(), sizeof embedding),
              tlm::TLM_GENERIC_ERROR_RESPONSE);
    uint32_t lo = 0;
    EXPECT_EQ(t.read(a::kCycleLow, lo), tlm::TLM_OK_RESPONSE);
    EXPECT_GT(lo, 0u);
    ran = true;
  });
  tb.socket.bind(chip.host_socket);
  sc_core::sc_start();
  EXPECT_TRUE(ran);
}

TEST(ChipTlm, SequenceThatDoesNotFitIsRefused) {
  Chip chip("chip", tiny_params());
  bool ran = false;
  Testbench tb("tb", [&](Testbench& t) {
    uint32_t v = 0;
    // tiny: 2 layers x K,V x 2 KV heads x 16 x f16 = 256 B per position; 1 MiB = 4096 positions.
    EXPECT_EQ(t.write(a::kSeqOpen, 4096), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(t.read(a::kSeqId, v), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(v, 0u);
    EXPECT_EQ(t.read(a::kKvFreeKib, v), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(v, 0u);
    EXPECT_EQ(t.write(a::kSeqOpen, 1), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(t.read(a::kSeqId, v), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(v, a::kSeqRefused);
    EXPECT_NE(chip.kv_sram().refusal().find("KV SRAM cannot hold a sequence of 1 positions"),
              std::string::npos)
        << chip.kv_sram().refusal();
    EXPECT_EQ(t.write(a::kSeqClose, 0), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(t.write(a::kSeqOpen, 1), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(t.read(a::kSeqId, v), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(v, 0u);
    ran = true;
  });
  tb.socket.bind(chip.host_socket);
  sc_core::sc_start();
  EXPECT_TRUE(ran);
}

// An adapter's GGUF image streamed through the LoRA window: committed into a slot, bound to a
// sequence at SEQ_OPEN, refused when incomplete, malformed or too large; a slot bound to an open
// sequence cannot be unloaded.
TEST(ChipTlm, LoraAdaptersLoadBindAndUnload) {
  const model::LlamaShape shape = *model::named_shape("tiny");
  const auto base_path = testing::temp_dir() / "tiny-q8_0.gguf";
  model::synth_model(
      model::SynthOptions{.shape = shape, .quant = model::QuantScheme::Q8_0, .seed = 2}, base_path);
  const auto adapter_path = testing::temp_dir() / "tiny-lora.gguf";
  model::synth_lora(shape, {.rank = 4, .type = gguf::GgmlType::F16}, adapter_path);
  std::ifstream in(adapter_path, std::ios::binary);
  std::vector<unsigned char> image{std::istreambuf_iterator<char>(in), {}};

  ChipParams params = tiny_params();
  // q and v of rank 4 in f16: (64x4 + 4x64 + 64x4 + 4x32) x 2 B = 1,792 B per layer.
  params.config.lora_sram.capacity_mib = 4.0 / 1024.0;  // 2 KiB per layer: one adapter
  Chip chip("chip", params);
  bool ran = false;
  Testbench tb("tb", [&](Testbench& t) {
    uint32_t v = 0;
    EXPECT_EQ(t.read(a::kLoraCapacityKib, v), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(v, 4u);
    auto load = [&](size_t bytes, size_t announce) {
      EXPECT_EQ(t.write(a::kLoraBegin, static_cast<uint32_t>(announce)), tlm::TLM_OK_RESPONSE);
      const uint64_t before = chip.cycle();
      EXPECT_EQ(t.access(tlm::TLM_WRITE_COMMAND, a::kLoraWindow, image.data(), bytes),
                tlm::TLM_OK_RESPONSE);
      // The burst keeps the host busy for its transfer over the link.
      EXPECT_EQ(chip.cycle() - before, arch::ceil_div(bytes, params.config.host.bytes_per_cycle));
      float scale = 1.0f;
      uint32_t bits = 0;
      std::memcpy(&bits, &scale, 4);
      EXPECT_EQ(t.write(a::kLoraCommit, bits), tlm::TLM_OK_RESPONSE);
      uint32_t slot = 0;
      EXPECT_EQ(t.read(a::kLoraSlot, slot), tlm::TLM_OK_RESPONSE);
      return slot;
    };
    ASSERT_LE(image.size(), a::kLoraBurstBytes);
    // Incomplete: fewer bytes than announced.
    EXPECT_EQ(load(image.size() - 1, image.size()), a::kLoraRefused);
    EXPECT_NE(chip.lora_sram().refusal().find("incomplete"), std::string::npos);
    // Malformed: a GGUF image cut short and announced so.
    EXPECT_EQ(load(64, 64), a::kLoraRefused);
    // The whole image: slot 0.
    EXPECT_EQ(load(image.size(), image.size()), 0u);
    EXPECT_EQ(chip.lora_sram().used_bytes(), 2u * 1792u);
    EXPECT_EQ(t.read(a::kLoraFreeKib, v), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(v, (4096u - 2u * 1792u) / 1024u);
    // A second copy does not fit beside it.
    EXPECT_EQ(load(image.size(), image.size()), a::kLoraRefused);
    EXPECT_NE(chip.lora_sram().refusal().find("does not fit the LoRA SRAM"), std::string::npos)
        << chip.lora_sram().refusal();
    // Bind a sequence to slot 0: the slot cannot be unloaded while it is open.
    EXPECT_EQ(t.write(a::kSeqLora, 0), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(t.write(a::kSeqOpen, 4), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(t.read(a::kSeqId, v), tlm::TLM_OK_RESPONSE);
    const uint32_t seq = v;
    EXPECT_NE(chip.lora_sram().binding(seq), nullptr);
    EXPECT_EQ(t.write(a::kLoraUnload, 0), tlm::TLM_GENERIC_ERROR_RESPONSE);
    EXPECT_EQ(t.write(a::kSeqClose, seq), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(chip.lora_sram().binding(seq), nullptr);
    EXPECT_EQ(t.write(a::kLoraUnload, 0), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(chip.lora_sram().used_bytes(), 0u);
    EXPECT_EQ(chip.lora_sram().peak_bytes(), 2u * 1792u);
    // SEQ_LORA still names the unloaded slot: opening a sequence with it is an error.
    EXPECT_EQ(t.write(a::kSeqOpen, 4), tlm::TLM_GENERIC_ERROR_RESPONSE);
    EXPECT_EQ(t.write(a::kSeqLora, a::kLoraNone), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(t.write(a::kSeqOpen, 4), tlm::TLM_OK_RESPONSE);
    ran = true;
  });
  tb.socket.bind(chip.host_socket);
  sc_core::sc_start();
  EXPECT_TRUE(ran);
}

}  // namespace
}  // namespace etchsim::chip
