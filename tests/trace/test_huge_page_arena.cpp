#include <gtest/gtest.h>
#include <sys/mman.h>

#include <atomic>
#include <cstdint>
#include <vector>

#include "etchsim/trace/huge_page_arena.hpp"
#include "etchsim/trace/row_values.hpp"

namespace etchsim::trace {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

bool inside(const HugePageArena& arena, const void* base, const void* p) {
  const auto b = reinterpret_cast<uintptr_t>(base);
  const auto a = reinterpret_cast<uintptr_t>(p);
  return a >= b && a < b + arena.capacity();
}

TEST(HugePageArena, RoundsUpToWholeHugePagesAtLeastOne) {
  EXPECT_EQ(HugePageArena(0).capacity(), kHugePage);
  EXPECT_EQ(HugePageArena(1).capacity(), kHugePage);
  EXPECT_EQ(HugePageArena(kHugePage).capacity(), kHugePage);
  EXPECT_EQ(HugePageArena(kHugePage + 1).capacity(), 2 * kHugePage);
  EXPECT_THROW(HugePageArena(SIZE_MAX - 10), std::bad_alloc);
}

TEST(HugePageArena, ListsLiveInsideItUntilTheyOutgrowIt) {
  HugePageArena arena(kHugePage);
  std::pmr::vector<uint64_t> first(arena.resource());
  first.reserve(1000);
  const void* base = first.data();
  EXPECT_EQ(reinterpret_cast<uintptr_t>(base) % kHugePage, 0u) << "starts on a huge page";
  std::pmr::vector<uint64_t> second(arena.resource());
  second.reserve(1000);
  EXPECT_TRUE(inside(arena, base, second.data()));
  for (uint64_t i = 0; i < 1000; ++i) {
    first.push_back(i);
    second.push_back(~i);
  }
  // Past the room: the default resource, and the values come along.
  std::pmr::vector<uint64_t> big(arena.resource());
  big.assign(kHugePage / sizeof(uint64_t), 7);
  EXPECT_FALSE(inside(arena, base, big.data()));
  EXPECT_EQ(big.back(), 7u);
  for (uint64_t i = 0; i < 1000; ++i) {
    ASSERT_EQ(first[i], i);
    ASSERT_EQ(second[i], ~i);
  }
}

TEST(HugePageArena, PopulateChangesNoByte) {
  HugePageArena arena(3 * kHugePage);
  std::pmr::vector<uint32_t> v(arena.resource());
  for (uint32_t i = 0; i < 300000; ++i) v.push_back(i * 2654435761u);
  arena.populate();
  arena.populate(kHugePage);
  for (uint32_t i = 0; i < 300000; ++i) ASSERT_EQ(v[i], i * 2654435761u);
}

// Resident 4 KiB pages of [p, p + bytes) (mincore).
size_t resident_pages(void* p, size_t bytes) {
  std::vector<unsigned char> in(bytes / 4096);
  EXPECT_EQ(::mincore(p, bytes, in.data()), 0);
  size_t n = 0;
  for (unsigned char c : in) n += c & 1;
  return n;
}

TEST(HugePageArena, PopulateMapsTheRoomUnlessStopped) {
  HugePageArena arena(2 * kHugePage);
  void* base = arena.resource()->allocate(1, 1);  // the room's first byte, untouched
  ASSERT_EQ(reinterpret_cast<uintptr_t>(base) % kHugePage, 0u);
  ASSERT_EQ(resident_pages(base, 2 * kHugePage), 0u);
  const std::atomic<bool> stop{true};
  arena.populate(SIZE_MAX, &stop);
  EXPECT_EQ(resident_pages(base, 2 * kHugePage), 0u);
  arena.populate(kHugePage);
#ifdef MADV_POPULATE_WRITE
  EXPECT_EQ(resident_pages(base, 2 * kHugePage), kHugePage / 4096);
#endif
}

TEST(HugePageArena, LargeBuffersComeFromHugePagesAndKeepTheirBytes) {
  // Below and above DefaultInitAllocator's huge-block size, grown through both.
  TextBuffer text;
  for (size_t i = 0; i < 3 * kHugePage; ++i) text.push_back(static_cast<char>('a' + i % 26));
  EXPECT_EQ(text.size(), 3 * kHugePage);
  for (size_t i = 0; i < text.size(); i += 4093)
    ASSERT_EQ(text[i], static_cast<char>('a' + i % 26));
  void* block = huge_page_allocate(1);
  ASSERT_NE(block, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(block) % kHugePage, 0u);
  static_cast<char*>(block)[kHugePage - 1] = 1;  // the whole huge page is there
  huge_page_deallocate(block, 1);
  huge_page_deallocate(nullptr, 1);
}

}  // namespace
}  // namespace etchsim::trace
