// The LoRA adapter SRAM and the LoRA datapath beside the matvec units (docs/design.md
// "timing contract"). `lora_sram.capacity_mib` for the whole chip, split evenly over the layers,
// each layer's share in `lora_sram.banks` banks of `word_bits`-wide words feeding
// `datapath.lora_lanes` MAC lanes.
//
// Loading (through the host socket's LoRA window, chip.cpp): begin(image bytes), append() the
// adapter's GGUF image in bursts (timed by the host link; the banks store a burst faster than
// the link brings it), commit(): the loader parses and checks it against the model's
// shape (model::LoraAdapter) and keeps its A and B tensors, which take a slot's share of the
// SRAM; an adapter that does not fit is refused with the reason. Several adapters are resident at
// once; each sequence is bound to one slot or none when it opens. A token of a bound sequence
// runs the LoRA path in every matvec unit with an adapted matrix (arch::lora_path_timing), the
// hard-wired matvec and the LoRA path side by side (arch::adapted_timing). The units with a LoRA
// path and the matrices it adapts are the unit registry's lora_roles (arch/unit_registry.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <systemc>
#include <vector>

#include "etchsim/arch/chip_config.hpp"
#include "etchsim/arch/timing.hpp"
#include "etchsim/golden/layer_datapath.hpp"
#include "etchsim/model/llama_shape.hpp"

namespace etchsim::chip {

class LoraSram : public sc_core::sc_module {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;  // no adapter

  LoraSram(sc_core::sc_module_name name, const arch::ChipConfig& config,
           const model::LlamaShape& shape);
  ~LoraSram() override;

  uint64_t capacity_bytes() const { return m_capacity; }
  uint64_t used_bytes() const { return m_used; }  // A and B tensors of resident adapters
  uint64_t peak_bytes() const { return m_peak; }

  // Loading. begin() starts a new image of `bytes` bytes (dropping one not committed); append()
  // adds the next burst (false when it overflows the announced size or nothing was begun).
  // commit() checks the complete image and makes it resident: its slot, or nullopt with the
  // reason in refusal() (incomplete, malformed, mismatched, or too large for the free SRAM).
  void begin(uint64_t bytes);
  bool append(std::span<const unsigned char> data);
  std::optional<uint32_t> commit(float user_scale);
  // The whole begun image as one writable buffer (DMI): empty when nothing is begun, a burst was
  // already appended, or the image is larger than `max_bytes`. Its bytes count as written; the
  // buffer stays valid until the next begin() or commit().
  std::span<std::byte> image_buffer(uint64_t max_bytes);
  const std::string& refusal() const { return m_refusal; }
  // Frees a slot; false when it is not resident or an open sequence is bound to it.
  bool unload(uint32_t slot);
  bool resident(uint32_t slot) const;

  // Binding: a sequence opened with `slot` (kNone: no adapter); false when slot is not resident.
  bool bind(uint32_t seq, uint32_t slot);
  void unbind(uint32_t seq);
  // True while some open sequence is bound to an adapter (otherwise every unit has its base
  // timing and nothing to count).
  const bool& any_bound() const { return m_any_bound; }
  // The sequence's adapter for the functional datapath (nullptr: none).
  const golden::LoraBinding* binding(uint32_t seq) const;

  // The timing of unit `unit` of `layer` for a token of `seq`: `base` when the sequence has no
  // adapter, the unit no LoRA path, or the adapter leaves the unit's matrices alone.
  arch::UnitTiming timing(uint32_t seq, uint32_t layer, golden::LayerUnit unit,
                          const arch::UnitTiming& base) const;
  // A token of `seq` passed unit `unit` of `layer`: counts its LoRA reads and MACs.
  void count(uint32_t seq, uint32_t layer, golden::LayerUnit unit);
  uint64_t bits_read() const { return m_bits_read; }
  uint64_t bits_written() const { return m_bits_written; }
  uint64_t macs() const { return m_macs; }

 private:
  struct UnitPath {
    arch::UnitTiming timing;  // {0, 0}: nothing adapted in this unit (or it has no LoRA path)
    uint64_t bits = 0;
    uint64_t macs = 0;
  };
  struct Slot;
  const Slot* bound_slot(uint32_t seq) const;
  void set_used(uint64_t used);

  arch::ChipConfig m_config;
  model::LlamaShape m_shape;
  uint64_t m_capacity;
  std::vector<uint64_t> m_layer_used;  // per layer: its share holds its matrices
  uint64_t m_used = 0;
  uint64_t m_peak = 0;
  std::vector<std::byte> m_image;  // the image being loaded
  uint64_t m_image_bytes = 0;      // announced by begin()
  bool m_loading = false;
  std::string m_refusal;
  std::vector<std::unique_ptr<Slot>> m_slots;  // nullptr: free
  std::vector<uint32_t> m_bound;               // per sequence: slot or kNone
  uint32_t m_bound_count = 0;                  // sequences bound to an adapter
  bool m_any_bound = false;
  uint64_t m_bits_read = 0;
  uint64_t m_bits_written = 0;
  uint64_t m_macs = 0;
};

}  // namespace etchsim::chip
