// The K/V SRAM's occupancy over a traced run, replayed from its log (chip::ChipTraceLog): each
// K/V row pair written adds a row pair's bytes to its layer, each sequence closed frees the rows
// it holds in every layer. The VCD's kv_bytes rows and the timeline's KV counter both come from
// here, so they cannot disagree.
#pragma once

#include <cstdint>
#include <memory_resource>
#include <span>
#include <unordered_map>
#include <vector>

#include "etchsim/chip/trace_log.hpp"
#include "etchsim/trace/row_values.hpp"

namespace etchsim::sim {

// The log's K/V writes in rising cycles, equal cycles in log order: the log itself when it is in
// that order already, else a stable sort of it kept in `scratch`, in scratch's memory (the flow
// engine logs a token's writes ahead of SystemC time, and several users' tokens overtake each
// other between layers).
using KvWriteList = std::vector<chip::ChipTraceLog::KvWrite,
                                trace::DefaultInitAllocator<chip::ChipTraceLog::KvWrite>>;
std::span<const chip::ChipTraceLog::KvWrite> kv_writes_by_cycle(const chip::ChipTraceLog& log,
                                                                KvWriteList& scratch);

// Replays the writes and closes cycle by cycle. Within a cycle the writes come first, each
// calling on_layer(cycle, layer, layer_bytes) with its layer's bytes after it; then the closes,
// calling on_layer for every layer whose bytes they lower; then on_total(cycle, total_bytes),
// once per cycle with a write or a close. `row_pair_bytes`: one position's K and V rows in one
// layer. `memory`, if given, holds the sorted copy (trace::DefaultInitAllocator).
template <typename OnLayer, typename OnTotal>
void replay_kv(const chip::ChipTraceLog& log, uint32_t n_layer, uint64_t row_pair_bytes,
               OnLayer&& on_layer, OnTotal&& on_total,
               std::pmr::memory_resource* memory = nullptr) {
  KvWriteList scratch{KvWriteList::allocator_type(memory)};
  const std::span<const chip::ChipTraceLog::KvWrite> writes = kv_writes_by_cycle(log, scratch);
  const auto& closes = log.kv_closes;
  // Per open sequence, its rows per layer; the last one looked up kept at hand (a run's writes
  // come in runs of one sequence's).
  std::unordered_map<uint32_t, std::vector<uint64_t>> rows_of;
  uint32_t last_seq = UINT32_MAX;
  std::vector<uint64_t>* last_rows = nullptr;
  std::vector<uint64_t> layer_bytes(n_layer, 0);
  uint64_t total = 0;
  size_t iw = 0, ik = 0;
  while (iw < writes.size() || ik < closes.size()) {
    const uint64_t t = std::min(iw < writes.size() ? writes[iw].cycle : UINT64_MAX,
                                ik < closes.size() ? closes[ik].cycle : UINT64_MAX);
    for (; iw < writes.size() && writes[iw].cycle <= t; ++iw) {
      const chip::ChipTraceLog::KvWrite& w = writes[iw];
      if (last_rows == nullptr || w.seq != last_seq) {
        last_seq = w.seq;
        last_rows = &rows_of[w.seq];
        last_rows->resize(n_layer, 0);
      }
      ++(*last_rows)[w.layer];
      layer_bytes[w.layer] += row_pair_bytes;
      total += row_pair_bytes;
      on_layer(t, w.layer, layer_bytes[w.layer]);
    }
    for (; ik < closes.size() && closes[ik].cycle <= t; ++ik) {
      const auto it = rows_of.find(closes[ik].seq);
      if (it == rows_of.end()) continue;
      for (uint32_t l = 0; l < it->second.size(); ++l) {
        const uint64_t bytes = it->second[l] * row_pair_bytes;
        if (bytes == 0) continue;
        layer_bytes[l] -= bytes;
        total -= bytes;
        on_layer(t, l, layer_bytes[l]);
      }
      rows_of.erase(it);
      last_rows = nullptr;
    }
    on_total(t, total);
  }
}

}  // namespace etchsim::sim
