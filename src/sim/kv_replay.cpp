#include "kv_replay.hpp"

#include <algorithm>
#include <bit>
#include <utility>

namespace etchsim::sim {
namespace {

using KvWrite = chip::ChipTraceLog::KvWrite;

// `in` sorted by cycle into `out`, equal cycles in their order in `in`: an LSD radix sort, 11 bits
// a pass (std::stable_sort would take a temporary buffer of fresh pages; these are huge pages,
// trace::DefaultInitAllocator: 1 MB on the flagship).
void stable_sort_by_cycle(std::span<const KvWrite> in, KvWriteList& out) {
  constexpr uint32_t kDigitBits = 11;
  constexpr size_t kBuckets = size_t{1} << kDigitBits;
  uint64_t most = 0;
  for (const KvWrite& w : in) most |= w.cycle;
  const auto bits = static_cast<uint32_t>(64 - std::countl_zero(most));
  KvWriteList from(in.begin(), in.end(), out.get_allocator());
  out.resize(in.size());
  std::vector<size_t> count(kBuckets);
  for (uint32_t shift = 0; shift < bits; shift += kDigitBits) {
    std::fill(count.begin(), count.end(), 0);
    for (const KvWrite& w : from) ++count[(w.cycle >> shift) & (kBuckets - 1)];
    size_t sum = 0;
    for (size_t& c : count) sum += std::exchange(c, sum);
    for (const KvWrite& w : from) out[count[(w.cycle >> shift) & (kBuckets - 1)]++] = w;
    from.swap(out);
  }
  out.swap(from);  // the last pass's result
}

}  // namespace

std::span<const KvWrite> kv_writes_by_cycle(const chip::ChipTraceLog& log, KvWriteList& scratch) {
  const std::span<const KvWrite> writes(log.kv_writes);
  const auto by_cycle = [](const KvWrite& a, const KvWrite& b) { return a.cycle < b.cycle; };
  if (std::is_sorted(writes.begin(), writes.end(), by_cycle)) return writes;
  stable_sort_by_cycle(writes, scratch);
  return scratch;
}

}  // namespace etchsim::sim
