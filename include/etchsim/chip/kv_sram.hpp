// The KV cache SRAM (docs/design.md "timing contract"): `kv_sram.capacity_mib` for the whole chip,
// split evenly over the layers, each layer's share in `banks` banks of `word_bits`-wide words.
// A sequence reserves its positions in every layer when it opens (refused, with the reason, when
// they do not fit); each token's attention writes one K and one V row per layer (occupancy) and
// reads the rows of every earlier position (timing: arch::attention_timing, which prices the
// striping of rows over banks and the single-port write stall). In functional runs it holds
// the values (numerics::KvCache per sequence and layer).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <systemc>
#include <vector>

#include "etchsim/arch/chip_config.hpp"
#include "etchsim/arch/timing.hpp"
#include "etchsim/chip/cycle_fifo.hpp"
#include "etchsim/chip/trace_log.hpp"
#include "etchsim/model/llama_shape.hpp"
#include "etchsim/numerics/kv_cache.hpp"

namespace etchsim::chip {

class KvSram : public sc_core::sc_module {
 public:
  KvSram(sc_core::sc_module_name name, const arch::KvSramConfig& config,
         const model::LlamaShape& shape, bool hold_values);

  uint64_t capacity_bytes() const { return m_capacity; }
  uint64_t reserved_bytes() const { return m_reserved; }
  // Rows written by open sequences, up to the last settle() (the chip settles before every host
  // access, so the host and the report see the occupancy of their own cycle).
  uint64_t occupied_bytes() const { return m_occupied; }
  uint64_t peak_bytes() const { return m_peak; }
  // Bytes one position takes over all layers (K and V rows).
  uint64_t bytes_per_position() const { return 2 * uint64_t{m_shape.n_layer} * m_row_bytes; }

  // Reserves `positions` rows per layer for a new sequence; its id, or nullopt with the reason in
  // refusal() when the SRAM cannot hold it.
  std::optional<uint32_t> open(uint32_t positions);
  const std::string& refusal() const { return m_refusal; }
  // Frees a sequence's rows; false for an id that is not open.
  bool close(uint32_t seq);
  bool is_open(uint32_t seq) const;
  uint32_t positions(uint32_t seq) const;

  // One token's K and V rows of `layer` written at position `pos` at `cycle`; its attention then
  // reads the K and V rows of positions 0..pos (counted here for the energy model). The pipeline
  // may compute a write ahead of SystemC time: it counts in the occupancy from settle(cycle) on.
  void write_rows(uint32_t seq, uint32_t layer, uint32_t pos, uint64_t cycle);
  // Adds the writes of cycles up to `cycle` to the occupancy (and its peak). Call with rising
  // cycles, and before close() at the close's cycle.
  void settle(uint64_t cycle);
  // Activity since construction: K and V rows (n_head_kv x head_dim elements each) written and
  // read over every layer, and the bits they hold.
  uint64_t rows_written() const { return m_rows_written; }
  uint64_t rows_read() const { return m_rows_read; }
  uint64_t bits_written() const { return m_rows_written * m_row_bits; }
  uint64_t bits_read() const { return m_rows_read * m_row_bits; }
  // Functional runs: the sequence's cache of one layer.
  numerics::KvCache& cache(uint32_t seq, uint32_t layer);

  // Traced runs: every write_rows() is appended to `log` (nullptr: none).
  void set_log(std::pmr::vector<ChipTraceLog::KvWrite>* log) { m_log = log; }

 private:
  struct Sequence {
    bool open = false;
    uint32_t positions = 0;
    uint64_t written_rows = 0;              // K+V row pairs over all layers
    std::vector<numerics::KvCache> caches;  // functional: one per layer
  };
  Sequence& sequence(uint32_t seq);

  arch::KvSramConfig m_config;
  model::LlamaShape m_shape;
  bool m_hold_values;
  uint64_t m_row_bits;
  uint64_t m_row_bytes;
  uint64_t m_capacity;
  uint64_t m_reserved = 0;
  uint64_t m_occupied = 0;
  uint64_t m_peak = 0;
  // Per layer, the cycles of writes not settled yet: one layer's attention writes at rising
  // cycles, so each queue is in order.
  std::vector<CycleFifo> m_pending;
  uint64_t m_next_pending = UINT64_MAX;  // the earliest pending write's cycle
  uint64_t m_rows_written = 0;
  uint64_t m_rows_read = 0;
  std::pmr::vector<ChipTraceLog::KvWrite>* m_log = nullptr;
  std::string m_refusal;
  std::vector<Sequence> m_sequences;
};

numerics::KvType numerics_kv_type(arch::KvElement element);

}  // namespace etchsim::chip
