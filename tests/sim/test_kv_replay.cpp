// The K/V SRAM occupancy replay (sim/kv_replay) that the VCD's kv_bytes rows and the timeline's
// KV counter share, against the occupancy computed from its definition at every cycle: a
// sequence holds, in each layer, the rows written since its last close (a write in the cycle of a
// close is freed by it).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "../../src/sim/kv_replay.hpp"

namespace etchsim::sim {
namespace {

using KvWrite = chip::ChipTraceLog::KvWrite;
using KvClose = chip::ChipTraceLog::KvClose;

constexpr uint64_t kRowPair = 96;

// Layer l's bytes at the end of cycle t, from the definition.
uint64_t defined_bytes(const chip::ChipTraceLog& log, uint32_t layer, uint64_t t) {
  uint64_t rows = 0;
  for (const KvWrite& w : log.kv_writes) {
    if (w.layer != layer || w.cycle > t) continue;
    bool freed = false;
    for (const KvClose& c : log.kv_closes)
      freed |= c.seq == w.seq && c.cycle >= w.cycle && c.cycle <= t;
    rows += freed ? 0 : 1;
  }
  return rows * kRowPair;
}

// A random log as several users' runs make it: each layer's writes in rising cycles, the layers
// interleaved out of cycle order, closes in rising cycles (some of sequences never written).
void fill_random(chip::ChipTraceLog& log, std::mt19937_64& rng, uint32_t n_layer) {
  std::vector<uint64_t> at(n_layer, 0);
  for (int k = 0; k < 300; ++k) {
    const auto layer = static_cast<uint32_t>(rng() % n_layer);
    at[layer] += rng() % 4;  // equal cycles too
    log.kv_writes.push_back({at[layer], static_cast<uint32_t>(rng() % 5), layer});
  }
  uint64_t c = 0;
  for (int k = 0; k < 12; ++k) {
    c += rng() % 60;
    log.kv_closes.push_back({c, static_cast<uint32_t>(rng() % 6)});
  }
}

TEST(KvReplay, EqualsTheDefinitionAtEveryCycleWithAChange) {
  constexpr uint32_t kLayers = 3;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng(seed);
    chip::ChipTraceLog log(1, 16, kLayers);
    fill_random(log, rng, kLayers);
    std::set<uint64_t> cycles;
    for (const KvWrite& w : log.kv_writes) cycles.insert(w.cycle);
    for (const KvClose& c : log.kv_closes) cycles.insert(c.cycle);

    std::vector<std::pair<uint64_t, uint64_t>> totals;
    std::map<std::pair<uint64_t, uint32_t>, uint64_t> last_of_layer;  // (cycle, layer) -> bytes
    uint64_t previous = 0;
    replay_kv(
        log, kLayers, kRowPair,
        [&](uint64_t cycle, uint32_t layer, uint64_t bytes) {
          ASSERT_GE(cycle, previous) << "seed " << seed;
          last_of_layer[{cycle, layer}] = bytes;
        },
        [&](uint64_t cycle, uint64_t total) {
          previous = cycle;
          totals.emplace_back(cycle, total);
        });

    ASSERT_EQ(totals.size(), cycles.size()) << "seed " << seed << ": one total per cycle";
    size_t i = 0;
    for (const uint64_t t : cycles) {
      uint64_t total = 0;
      for (uint32_t l = 0; l < kLayers; ++l) {
        const uint64_t bytes = defined_bytes(log, l, t);
        const uint64_t before = t == 0 ? 0 : defined_bytes(log, l, t - 1);
        total += bytes;
        const auto reported = last_of_layer.find({t, l});
        if (reported != last_of_layer.end()) {
          EXPECT_EQ(reported->second, bytes) << "seed " << seed << " layer " << l << " cycle " << t;
        } else {
          EXPECT_EQ(bytes, before) << "seed " << seed << " layer " << l << " changed at cycle " << t
                                   << " without a report";
        }
      }
      EXPECT_EQ(totals[i].first, t) << "seed " << seed;
      EXPECT_EQ(totals[i].second, total) << "seed " << seed << " cycle " << t;
      ++i;
    }
  }
}

TEST(KvReplay, WritesComeInCycleOrderKeepingTheLogsOrderWithinACycle) {
  std::mt19937_64 rng(7);
  chip::ChipTraceLog log(1, 16, 4);
  fill_random(log, rng, 4);
  std::vector<KvWrite> expected(log.kv_writes.begin(), log.kv_writes.end());
  ASSERT_FALSE(
      std::is_sorted(expected.begin(), expected.end(),
                     [](const KvWrite& a, const KvWrite& b) { return a.cycle < b.cycle; }));
  std::stable_sort(expected.begin(), expected.end(),
                   [](const KvWrite& a, const KvWrite& b) { return a.cycle < b.cycle; });
  KvWriteList scratch;
  const auto sorted = kv_writes_by_cycle(log, scratch);
  ASSERT_EQ(sorted.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(sorted[i].cycle, expected[i].cycle) << i;
    EXPECT_EQ(sorted[i].seq, expected[i].seq) << i;
    EXPECT_EQ(sorted[i].layer, expected[i].layer) << i;
  }
  // A log in order already is handed back as it is.
  chip::ChipTraceLog in_order(1, 16, 1);
  for (uint64_t c = 0; c < 10; ++c) in_order.kv_writes.push_back({c / 2, 0, 0});
  KvWriteList unused;
  EXPECT_EQ(kv_writes_by_cycle(in_order, unused).data(), in_order.kv_writes.data());
  EXPECT_TRUE(unused.empty());
}

}  // namespace
}  // namespace etchsim::sim
