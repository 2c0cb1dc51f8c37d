#include "etchsim/chip/lora_sram.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "etchsim/arch/lora_timing.hpp"
#include "etchsim/arch/unit_registry.hpp"
#include "etchsim/gguf/reader.hpp"
#include "etchsim/model/lora_adapter.hpp"

namespace etchsim::chip {
namespace {

using model::LoraRole;

double kib(uint64_t bytes) { return static_cast<double>(bytes) / 1024.0; }

}  // namespace

struct LoraSram::Slot {
  std::vector<std::byte> image;  // the GGUF image as written; the adapter's views point into it
  gguf::GgufFile file;
  model::LoraAdapter adapter;
  golden::LoraBinding binding;
  std::vector<uint64_t> layer_bytes;  // A and B bytes per layer
  // Per layer, per unit (arch::unit_index order).
  std::vector<std::array<UnitPath, golden::kLayerUnitCount>> paths;
  uint32_t bound = 0;  // sequences bound to it
};

LoraSram::LoraSram(sc_core::sc_module_name name, const arch::ChipConfig& config,
                   const model::LlamaShape& shape)
    : sc_module(name),
      m_config(config),
      m_shape(shape),
      m_capacity(static_cast<uint64_t>(config.lora_sram.capacity_mib * 1024.0 * 1024.0)),
      m_layer_used(shape.n_layer, 0) {}

LoraSram::~LoraSram() = default;

void LoraSram::begin(uint64_t bytes) {
  m_image.clear();
  m_image_bytes = bytes;
  m_loading = true;
}

bool LoraSram::append(std::span<const unsigned char> data) {
  if (!m_loading || m_image.size() + data.size() > m_image_bytes) return false;
  const size_t at = m_image.size();
  m_image.resize(at + data.size());
  std::memcpy(m_image.data() + at, data.data(), data.size());
  return true;
}

std::span<std::byte> LoraSram::image_buffer(uint64_t max_bytes) {
  if (!m_loading || m_image_bytes > max_bytes) return {};
  if (m_image.size() != m_image_bytes) {
    if (!m_image.empty()) return {};  // bursts were appended: finish the image that way
    m_image.resize(m_image_bytes);
  }
  return m_image;
}

std::optional<uint32_t> LoraSram::commit(float user_scale) {
  if (!m_loading) {
    m_refusal = "no LoRA image was begun (LORA_BEGIN)";
    return std::nullopt;
  }
  m_loading = false;
  if (m_image.size() != m_image_bytes) {
    m_refusal = fmt::format(
        "the LoRA image is incomplete: {} of the {} bytes announced were "
        "written",
        m_image.size(), m_image_bytes);
    return std::nullopt;
  }
  auto image = std::move(m_image);
  m_image.clear();
  // The loader reads the image in place: the adapter's tensor views point into it.
  std::unique_ptr<Slot> slot;
  try {
    gguf::GgufFile file = gguf::GgufFile::parse(image, "LoRA image");
    model::LoraAdapter adapter(file, m_shape);
    slot = std::make_unique<Slot>(
        Slot{std::move(image), std::move(file), std::move(adapter), {}, {}, {}, 0});
  } catch (const std::exception& e) {
    m_refusal = e.what();
    return std::nullopt;
  }
  // GgufFile keeps a span of the image; moving the vector keeps its buffer, so the views hold.
  slot->binding = {&slot->adapter, user_scale};
  slot->layer_bytes.assign(m_shape.n_layer, 0);
  slot->paths.resize(m_shape.n_layer);
  for (uint32_t l = 0; l < m_shape.n_layer; ++l) {
    for (const arch::UnitInfo& info : arch::layer_units()) {
      if (info.lora_roles.empty()) continue;
      std::vector<arch::LoraMatrixShape> matrices;
      UnitPath& path = slot->paths[l][arch::unit_index(info.layer_unit())];
      for (const LoraRole role : info.lora_roles) {
        const model::LoraWeight* w = slot->adapter.find(l, role);
        if (w == nullptr) continue;
        const auto rank = static_cast<uint64_t>(w->rank());
        const arch::LoraMatrixShape m{static_cast<uint64_t>(w->a.cols),
                                      static_cast<uint64_t>(w->b.rows), rank, w->a.data.size() * 8,
                                      w->b.data.size() * 8};
        matrices.push_back(m);
        path.bits += m.a_bits + m.b_bits;
        path.macs += m.rank * (m.n_in + m.n_out);
        slot->layer_bytes[l] += w->a.data.size() + w->b.data.size();
      }
      path.timing = arch::lora_path_timing(matrices, m_config);
    }
  }
  // Each layer's share of the SRAM holds that layer's matrices.
  const uint64_t layer_capacity = m_capacity / std::max<uint32_t>(m_shape.n_layer, 1);
  for (uint32_t l = 0; l < m_shape.n_layer; ++l) {
    if (m_layer_used[l] + slot->layer_bytes[l] > layer_capacity) {
      uint64_t total = 0;
      for (const uint64_t b : slot->layer_bytes) total += b;
      m_refusal = fmt::format(
          "the adapter does not fit the LoRA SRAM: layer {} needs {:.1f} KiB of A and B "
          "({:.1f} KiB over all layers) and {:.1f} KiB of its {:.1f} KiB are free "
          "(lora_sram.capacity_mib = {} split over {} layers)",
          l, kib(slot->layer_bytes[l]), kib(total), kib(layer_capacity - m_layer_used[l]),
          kib(layer_capacity), m_config.lora_sram.capacity_mib, m_shape.n_layer);
      return std::nullopt;
    }
  }
  uint64_t added = 0;
  for (uint32_t l = 0; l < m_shape.n_layer; ++l) {
    m_layer_used[l] += slot->layer_bytes[l];
    added += slot->layer_bytes[l];
  }
  m_bits_written += added * 8;
  m_refusal.clear();
  set_used(m_used + added);
  auto free = std::find(m_slots.begin(), m_slots.end(), nullptr);
  if (free == m_slots.end()) free = m_slots.insert(m_slots.end(), nullptr);
  *free = std::move(slot);
  return static_cast<uint32_t>(free - m_slots.begin());
}

bool LoraSram::resident(uint32_t slot) const {
  return slot < m_slots.size() && m_slots[slot] != nullptr;
}

bool LoraSram::unload(uint32_t slot) {
  if (!resident(slot) || m_slots[slot]->bound != 0) return false;
  uint64_t freed = 0;
  for (uint32_t l = 0; l < m_shape.n_layer; ++l) {
    m_layer_used[l] -= m_slots[slot]->layer_bytes[l];
    freed += m_slots[slot]->layer_bytes[l];
  }
  m_slots[slot].reset();
  set_used(m_used - freed);
  return true;
}

bool LoraSram::bind(uint32_t seq, uint32_t slot) {
  if (slot != kNone && !resident(slot)) return false;
  unbind(seq);
  if (seq >= m_bound.size()) m_bound.resize(seq + 1, kNone);
  m_bound[seq] = slot;
  if (slot != kNone) {
    ++m_slots[slot]->bound;
    m_any_bound = ++m_bound_count > 0;
  }
  return true;
}

void LoraSram::unbind(uint32_t seq) {
  if (seq >= m_bound.size() || m_bound[seq] == kNone) return;
  --m_slots[m_bound[seq]]->bound;
  m_bound[seq] = kNone;
  m_any_bound = --m_bound_count > 0;
}

const LoraSram::Slot* LoraSram::bound_slot(uint32_t seq) const {
  if (seq >= m_bound.size() || m_bound[seq] == kNone) return nullptr;
  return m_slots[m_bound[seq]].get();
}

const golden::LoraBinding* LoraSram::binding(uint32_t seq) const {
  const Slot* slot = bound_slot(seq);
  return slot != nullptr ? &slot->binding : nullptr;
}

arch::UnitTiming LoraSram::timing(uint32_t seq, uint32_t layer, golden::LayerUnit unit,
                                  const arch::UnitTiming& base) const {
  const Slot* slot = bound_slot(seq);
  if (slot == nullptr) return base;
  return arch::adapted_timing(base, slot->paths[layer][arch::unit_index(unit)].timing);
}

void LoraSram::count(uint32_t seq, uint32_t layer, golden::LayerUnit unit) {
  const Slot* slot = bound_slot(seq);
  if (slot == nullptr) return;
  const UnitPath& path = slot->paths[layer][arch::unit_index(unit)];
  m_bits_read += path.bits;
  m_macs += path.macs;
}

void LoraSram::set_used(uint64_t used) {
  m_used = used;
  m_peak = std::max(m_peak, m_used);
}

}  // namespace etchsim::chip
