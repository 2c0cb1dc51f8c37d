// The host-visible contract of the chip (docs/integration.md): its address map, register values
// and status codes, the token-out FIFO entry. Neutral ground: chip/ (the target) and host/ (an
// initiator) both include it, and so does any other initiator (examples/vp). Registers are 32 bits,
// little-endian, accessed with 4-byte transactions; windows take the lengths given. Every other
// access gets a TLM error response: an address outside the map TLM_ADDRESS_ERROR_RESPONSE, a wrong
// length TLM_BURST_ERROR_RESPONSE, a write to a read-only register (or a read of a write-only one)
// TLM_COMMAND_ERROR_RESPONSE, byte enables TLM_BYTE_ENABLE_ERROR_RESPONSE, a read of the token FIFO
// with nothing in it or on its way TLM_GENERIC_ERROR_RESPONSE.
#pragma once

#include <cstdint>

namespace etchsim::protocol {

// Control and status.
inline constexpr uint64_t kId = 0x0000;          // RO: kIdValue
inline constexpr uint64_t kControl = 0x0004;     // WO: kControlStart | kControlReset
inline constexpr uint64_t kStatus = 0x0008;      // RO: kStatus* bits
inline constexpr uint64_t kCycleLow = 0x0010;    // RO: cycle counter, low word
inline constexpr uint64_t kCycleHigh = 0x0014;   // RO: high word
inline constexpr uint64_t kTokenCount = 0x0018;  // RO: entries waiting in the token-out FIFO
// Configuration read-back (RO).
inline constexpr uint64_t kNLayer = 0x0040;
inline constexpr uint64_t kNEmbd = 0x0044;
inline constexpr uint64_t kNVocab = 0x0048;
inline constexpr uint64_t kClockKhz = 0x004C;
inline constexpr uint64_t kKvCapacityKib = 0x0050;
inline constexpr uint64_t kKvFreeKib = 0x0054;
// Sequence control.
inline constexpr uint64_t kSeqOpen = 0x0100;      // WO: positions to reserve; opens a sequence
inline constexpr uint64_t kSeqId = 0x0104;        // RO: the opened id, or kSeqRefused
inline constexpr uint64_t kSeqClose = 0x0108;     // WO: sequence id to close
inline constexpr uint64_t kEmbedSeq = 0x0110;     // RW: sequence of the next embedding
inline constexpr uint64_t kEmbedPos = 0x0114;     // RW: its position
inline constexpr uint64_t kEmbedFlags = 0x0118;   // RW: kEmbedEmit
inline constexpr uint64_t kSeqLora = 0x011C;      // RW: adapter slot SEQ_OPEN binds (kLoraNone)
inline constexpr uint64_t kSeqSeed = 0x0120;      // RW: sampling seed offset SEQ_OPEN gives
inline constexpr uint64_t kEmbedSubmit = 0x0124;  // WO: send the staged embedding (value unused)
// LoRA adapters (docs/chip.md "Loading a LoRA adapter").
inline constexpr uint64_t kLoraBegin = 0x0200;        // WO: image bytes; starts a new image
inline constexpr uint64_t kLoraCommit = 0x0204;       // WO: fp32 user scale; check and store it
inline constexpr uint64_t kLoraSlot = 0x0208;         // RO: the committed slot, or kLoraRefused
inline constexpr uint64_t kLoraUnload = 0x020C;       // WO: slot to free
inline constexpr uint64_t kLoraCapacityKib = 0x0210;  // RO
inline constexpr uint64_t kLoraFreeKib = 0x0214;      // RO
// Windows.
// WO: one fp32 embedding, 4 n_embd bytes at the base (staged and sent at once), or staged through
// DMI and sent with kEmbedSubmit.
inline constexpr uint64_t kEmbedWindow = 0x0001'0000;
inline constexpr uint64_t kEmbedWindowSize = 0x0001'0000 * 4;
inline constexpr uint64_t kTokenFifo = 0x0010'0000;  // RO: one 16-byte entry per read
// WO: the next burst of the image begun with kLoraBegin, written at the window's base, 1 to
// kLoraBurstBytes bytes; other addresses in the window are reserved. Or, after kLoraBegin, the
// whole image written through DMI (the first image-size bytes of the window), then kLoraCommit.
inline constexpr uint64_t kLoraWindow = 0x0100'0000;
inline constexpr uint64_t kLoraWindowSize = 0x0100'0000;
inline constexpr uint64_t kLoraBurstBytes = 0x0001'0000;

inline constexpr uint32_t kIdValue = 0x45544348;  // "ETCH"
inline constexpr uint32_t kControlStart = 1;      // accept embeddings
inline constexpr uint32_t kControlReset = 2;      // close every sequence (pipeline empty only)
inline constexpr uint32_t kStatusStarted = 1;
inline constexpr uint32_t kStatusInputFree = 2;   // the embedding window can take a write now
inline constexpr uint32_t kStatusTokenReady = 4;  // the token-out FIFO is not empty
inline constexpr uint32_t kStatusIdle = 8;        // no token inside the pipeline
inline constexpr uint32_t kSeqRefused = 0xFFFF'FFFF;
inline constexpr uint32_t kLoraNone = 0xFFFF'FFFF;     // kSeqLora: no adapter
inline constexpr uint32_t kSeqSeedId = 0xFFFF'FFFF;    // kSeqSeed: the sequence's own id
inline constexpr uint32_t kLoraRefused = 0xFFFF'FFFF;  // kLoraSlot: the commit was refused
inline constexpr uint32_t kEmbedEmit = 1;              // the LM head picks a token for this one

// A token-out FIFO entry: sequence, position, token id (-1 when not picked), flags (kEmbedEmit).
struct TokenEntry {
  uint32_t seq = 0;
  uint32_t pos = 0;
  int32_t token = -1;
  uint32_t flags = 0;
};
static_assert(sizeof(TokenEntry) == 16);

}  // namespace etchsim::protocol
