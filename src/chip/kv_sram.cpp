#include "etchsim/chip/kv_sram.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace etchsim::chip {

numerics::KvType numerics_kv_type(arch::KvElement element) {
  switch (element) {
    case arch::KvElement::F32:
      return numerics::KvType::F32;
    case arch::KvElement::I8:
      return numerics::KvType::I8;
    case arch::KvElement::F16:
      break;
  }
  return numerics::KvType::F16;
}

KvSram::KvSram(sc_core::sc_module_name name, const arch::KvSramConfig& config,
               const model::LlamaShape& shape, bool hold_values)
    : sc_module(name),
      m_config(config),
      m_shape(shape),
      m_hold_values(hold_values),
      m_row_bits(arch::kv_row_geometry(shape.n_head_kv, shape.head_dim(), config).row_bits),
      m_row_bytes(arch::ceil_div(m_row_bits, 8)),
      m_capacity(static_cast<uint64_t>(config.capacity_mib * 1024.0 * 1024.0)),
      m_pending(shape.n_layer) {}

KvSram::Sequence& KvSram::sequence(uint32_t seq) {
  if (!is_open(seq)) throw std::logic_error(fmt::format("KV SRAM: sequence {} is not open", seq));
  return m_sequences[seq];
}

bool KvSram::is_open(uint32_t seq) const {
  return seq < m_sequences.size() && m_sequences[seq].open;
}

uint32_t KvSram::positions(uint32_t seq) const {
  return is_open(seq) ? m_sequences[seq].positions : 0;
}

std::optional<uint32_t> KvSram::open(uint32_t positions) {
  const uint64_t need = uint64_t{positions} * bytes_per_position();
  if (positions == 0 || m_reserved + need > m_capacity) {
    m_refusal = positions == 0
                    ? std::string("a sequence must reserve at least one position")
                    : fmt::format(
                          "KV SRAM cannot hold a sequence of {} positions: it needs {:.2f} MiB "
                          "({} B per position over {} layers), {:.2f} MiB of {:.2f} MiB are free "
                          "(kv_sram.capacity_mib)",
                          positions, static_cast<double>(need) / 1048576.0, bytes_per_position(),
                          m_shape.n_layer, static_cast<double>(m_capacity - m_reserved) / 1048576.0,
                          static_cast<double>(m_capacity) / 1048576.0);
    return std::nullopt;
  }
  m_refusal.clear();
  m_reserved += need;
  // Ids are reused lowest first so the host's sequence numbering is stable.
  uint32_t id = 0;
  while (id < m_sequences.size() && m_sequences[id].open) ++id;
  if (id == m_sequences.size()) m_sequences.emplace_back();
  Sequence& s = m_sequences[id];
  s.open = true;
  s.positions = positions;
  s.written_rows = 0;
  s.caches.clear();
  if (m_hold_values) {
    s.caches.reserve(m_shape.n_layer);
    for (uint32_t l = 0; l < m_shape.n_layer; ++l) {
      s.caches.emplace_back(numerics_kv_type(m_config.element), static_cast<int>(m_shape.n_head_kv),
                            static_cast<int>(m_shape.head_dim()), static_cast<int>(positions));
    }
  }
  return id;
}

bool KvSram::close(uint32_t seq) {
  if (!is_open(seq)) return false;
  Sequence& s = m_sequences[seq];
  m_reserved -= uint64_t{s.positions} * bytes_per_position();
  m_occupied -= s.written_rows * 2 * m_row_bytes;
  s = Sequence{};
  return true;
}

void KvSram::write_rows(uint32_t seq, uint32_t layer, uint32_t pos, uint64_t cycle) {
  Sequence& s = sequence(seq);
  if (pos >= s.positions || layer >= m_shape.n_layer) {
    throw std::logic_error(
        fmt::format("KV SRAM: position {} of layer {} is outside sequence {}'s "
                    "{} reserved positions",
                    pos, layer, seq, s.positions));
  }
  ++s.written_rows;
  m_rows_written += 2;
  m_rows_read += 2 * (uint64_t{pos} + 1);
  m_pending[layer].push(cycle);
  m_next_pending = std::min(m_next_pending, cycle);
  if (m_log != nullptr) m_log->push_back({cycle, seq, layer});
}

void KvSram::settle(uint64_t cycle) {
  if (cycle < m_next_pending) return;  // also when nothing is pending
  uint64_t rows = 0;
  m_next_pending = UINT64_MAX;
  for (CycleFifo& writes : m_pending) {
    while (!writes.empty() && writes.front() <= cycle) {
      writes.pop();
      ++rows;
    }
    if (!writes.empty()) m_next_pending = std::min(m_next_pending, writes.front());
  }
  // Occupancy only falls at close(), which is settled first: between two settles it rises, so
  // its peak over the interval is at the end.
  m_occupied += rows * 2 * m_row_bytes;
  if (m_occupied > m_peak) m_peak = m_occupied;
}

numerics::KvCache& KvSram::cache(uint32_t seq, uint32_t layer) {
  Sequence& s = sequence(seq);
  if (!m_hold_values) throw std::logic_error("KV SRAM: timing-only runs hold no values");
  return s.caches.at(layer);
}

}  // namespace etchsim::chip
