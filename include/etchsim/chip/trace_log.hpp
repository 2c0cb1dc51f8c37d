// What a traced run records (--vcd, --timeline): the model's own changes, each stamped with its
// cycle, as they happen (in flow mode ahead of SystemC time, so not in global time order). The
// trace is derived from these afterwards (sim/trace_signals), never by sampling state per cycle,
// so a traced run runs ahead like an untraced one. Every list below is in rising cycle order in
// every clocking mode: a unit takes and hands on its tokens in order, the sink takes in order,
// one layer's K/V writes come in order, and host actions happen at SystemC time.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <vector>

#include "etchsim/trace/huge_page_arena.hpp"

namespace etchsim::chip {

// One pipeline unit: the tokens it took and the cycles it handed them on (in the same order).
struct UnitLog {
  struct Accept {
    uint64_t cycle = 0;
    uint64_t done = 0;  // the cycle its result is ready (cycle + latency)
    uint32_t seq = 0;
    uint32_t pos = 0;
  };
  explicit UnitLog(std::pmr::memory_resource* memory = std::pmr::get_default_resource())
      : accepts(memory), completes(memory) {}

  std::pmr::vector<Accept> accepts;
  std::pmr::vector<uint64_t> completes;  // the result moved into the output register

  // Appends, and asks the cache for the list's next line: a run fills every unit's lists in turn,
  // each a line every few tokens, and a line the run has not written since it was mapped is far
  // away (prefetching past the reserved room faults nothing). Nothing else: a traced run logs
  // ~2 M entries on the simulation's thread.
  void accept(const Accept& a) {
    accepts.push_back(a);
    __builtin_prefetch(accepts.data() + accepts.size() + 64 / sizeof(Accept), 1);
  }
  void complete(uint64_t cycle) {
    completes.push_back(cycle);
    __builtin_prefetch(completes.data() + completes.size() + 64 / sizeof(uint64_t), 1);
  }
  // Whether the unit ever held two tokens at once. At the end of the cycle token k is taken,
  // tokens k - 1 and k are both inside exactly when k - 1 is handed on later (or never); any
  // larger count needs that too, as tokens leave in order. Scanned from the lists: the
  // definition, which PipelineUnit::held_several tracks for free as the run goes (checking each
  // pair as it was logged cost the flagship's simulation thread 1-2 ms).
  bool held_several() const;
};

// The lists a run fills live in one huge-page arena (trace/huge_page_arena.hpp): their first
// touches would otherwise cost more than the run. Not movable: the lists point into the arena.
struct ChipTraceLog {
  // Lists for `n_units` pipeline units with room for `tokens` tokens through every unit (and their
  // K/V rows in `n_layer` layers), so a traced run's lists grow without copying (a flagship logs
  // ~2 M records); a run that feeds more still works, its lists growing outside the arena.
  ChipTraceLog(size_t n_units, size_t tokens, size_t n_layer);
  // The arena's bytes for those lists (with room to stagger each list: trace_log.cpp); UINT64_MAX
  // when that would not fit 64 bits.
  static uint64_t bytes_for(uint64_t n_units, uint64_t tokens, uint64_t n_layer);
  ChipTraceLog(const ChipTraceLog&) = delete;
  ChipTraceLog& operator=(const ChipTraceLog&) = delete;

 private:
  trace::HugePageArena m_arena;  // before the lists: they release into it

 public:
  std::vector<UnitLog> units;         // per pipeline unit, in pipeline order
  std::pmr::vector<uint64_t> inputs;  // the host wrote the first unit's input register
  struct SinkTake {
    uint64_t cycle = 0;
    int32_t token = -1;  // the token picked (functional runs), -1 in timing runs
    bool emit = false;   // the LM head picked a token for it (not a prompt position)
  };
  std::pmr::vector<SinkTake> sink;  // the token-out FIFO took the last unit's output
  struct KvWrite {
    uint64_t cycle = 0;
    uint32_t seq = 0;
    uint32_t layer = 0;
  };
  std::pmr::vector<KvWrite> kv_writes;  // one K and one V row each; per layer in rising cycles
  struct KvClose {
    uint64_t cycle = 0;
    uint32_t seq = 0;
  };
  std::vector<KvClose> kv_closes;  // the host closed a sequence: its rows are free
  struct Level {
    uint64_t cycle = 0;
    uint64_t bytes = 0;
  };
  std::vector<Level> lora_used;  // LoRA SRAM bytes after every change

  // Has the kernel map the arena's pages now, at most 1 GiB of them (HugePageArena::populate):
  // called on another thread while the run logs, it takes the page faults of a flagship's ~25 MB
  // of lists off the simulation's thread. Changes no value. Returns early once `stop` reads true
  // (the run is over: the pages it wrote are mapped, the rest is never needed).
  void prefault(const std::atomic<bool>* stop = nullptr) const;
};

}  // namespace etchsim::chip
