// The trace log's layout: every list in the one arena, with room for the run's tokens, and the
// lists staggered across the cache lines of a page (chip/trace_log.cpp says why).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "etchsim/chip/trace_log.hpp"

namespace etchsim::chip {
namespace {

// The [start, end) byte ranges of the lists' reserved room, in the order the log hands them out.
std::vector<std::pair<uintptr_t, uintptr_t>> rooms(const ChipTraceLog& log) {
  std::vector<std::pair<uintptr_t, uintptr_t>> out;
  const auto add = [&out](const auto& list) {
    const auto start = reinterpret_cast<uintptr_t>(list.data());
    out.emplace_back(start, start + list.capacity() * sizeof(list[0]));
  };
  for (const UnitLog& u : log.units) {
    add(u.accepts);
    add(u.completes);
  }
  add(log.inputs);
  add(log.sink);
  add(log.kv_writes);
  return out;
}

TEST(ChipTraceLog, ListsStartOnSuccessiveCacheLinesOfAPage) {
  // A flagship's list sizes (2048 tokens: 48 KiB and 16 KiB, whole pages) and an odd count.
  for (const size_t tokens : {size_t{2048}, size_t{1001}}) {
    const ChipTraceLog log(40, tokens, 4);
    const auto lists = rooms(log);
    ASSERT_EQ(lists.size(), 83u);
    for (size_t i = 0; i < lists.size(); ++i) {
      EXPECT_EQ(lists[i].first % 64, 0u) << "list " << i;
      EXPECT_EQ(lists[i].first / 64 % 64, i % 64) << "list " << i << ", " << tokens << " tokens";
    }
  }
}

TEST(ChipTraceLog, EveryListHasRoomForTheTokensInsideTheArenasBytes) {
  const size_t n_units = 100, tokens = 777, n_layer = 3;
  const ChipTraceLog log(n_units, tokens, n_layer);
  EXPECT_GE(log.inputs.capacity(), tokens);
  EXPECT_GE(log.sink.capacity(), tokens);
  EXPECT_GE(log.kv_writes.capacity(), tokens * n_layer);
  for (const UnitLog& u : log.units) {
    EXPECT_GE(u.accepts.capacity(), tokens);
    EXPECT_GE(u.completes.capacity(), tokens);
  }
  // Handed out in order from one room of bytes_for() bytes, none overlapping: had bytes_for left
  // too little room (the stagger included), the last lists would lie elsewhere.
  const auto lists = rooms(log);
  for (size_t i = 1; i < lists.size(); ++i) EXPECT_GE(lists[i].first, lists[i - 1].second);
  EXPECT_LE(lists.back().second - lists.front().first,
            ChipTraceLog::bytes_for(n_units, tokens, n_layer));
}

}  // namespace
}  // namespace etchsim::chip
