#include "etchsim/trace/huge_page_arena.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <new>

namespace etchsim::trace {
namespace {

// x86-64's and AArch64's (4 KiB granule) transparent huge page.
constexpr size_t kHugePage = size_t{2} << 20;

// At least one huge page (address space only, until touched).
size_t round_up(size_t bytes) {
  if (bytes > SIZE_MAX - 2 * kHugePage) throw std::bad_alloc();
  return (bytes + kHugePage - 1) / kHugePage * kHugePage + (bytes == 0 ? kHugePage : 0);
}

// A mapping of `size` bytes starting on a huge page boundary (mmap only promises 4 KiB: map a
// huge page more and unmap the ends).
void* map_aligned(size_t size) {
  void* raw = ::mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (start + kHugePage - 1) & ~(kHugePage - 1);
  if (aligned > start) ::munmap(raw, aligned - start);
  const uintptr_t end = start + size + kHugePage;
  if (end > aligned + size) ::munmap(reinterpret_cast<void*>(aligned + size), end - aligned - size);
  void* base = reinterpret_cast<void*>(aligned);
#ifdef MADV_HUGEPAGE
  (void)::madvise(base, size, MADV_HUGEPAGE);  // advice only: THP may be off
#endif
  return base;
}

}  // namespace

void* huge_page_allocate(size_t bytes) { return map_aligned(round_up(bytes)); }

void huge_page_deallocate(void* block, size_t bytes) noexcept {
  if (block != nullptr) ::munmap(block, round_up(bytes));
}

namespace {

class HugePageResource final : public std::pmr::memory_resource {
  static constexpr size_t kHugeBlock = size_t{512} << 10;
  void* do_allocate(size_t bytes, size_t alignment) override {
    if (bytes >= kHugeBlock && alignment <= kHugePage) return huge_page_allocate(bytes);
    return std::pmr::get_default_resource()->allocate(bytes, alignment);
  }
  void do_deallocate(void* p, size_t bytes, size_t alignment) override {
    if (bytes >= kHugeBlock && alignment <= kHugePage) {
      huge_page_deallocate(p, bytes);
    } else {
      std::pmr::get_default_resource()->deallocate(p, bytes, alignment);
    }
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }
};

}  // namespace

std::pmr::memory_resource* huge_page_resource() {
  static HugePageResource resource;
  return &resource;
}

HugePageArena::HugePageArena(size_t bytes)
    : m_base(map_aligned(round_up(bytes))),
      m_size(round_up(bytes)),
      m_resource(m_base, m_size, std::pmr::get_default_resource()) {}

HugePageArena::~HugePageArena() {
  m_resource.release();
  ::munmap(m_base, m_size);
}

void* HugePageArena::Locked::do_allocate(size_t bytes, size_t alignment) {
  std::lock_guard lock(m_mutex);
  return m_upstream->allocate(bytes, alignment);
}

void HugePageArena::Locked::do_deallocate(void* p, size_t bytes, size_t alignment) {
  std::lock_guard lock(m_mutex);
  m_upstream->deallocate(p, bytes, alignment);
}

void HugePageArena::populate(size_t max_bytes, const std::atomic<bool>* stop) const {
#ifdef MADV_POPULATE_WRITE
  // Only advice: an error (an older kernel) leaves the pages to fault when written.
  const size_t bytes = std::min(m_size, max_bytes) / kHugePage * kHugePage;
  char* const base = static_cast<char*>(m_base);
  for (size_t at = 0; at < bytes; at += kHugePage) {
    if (stop != nullptr && stop->load(std::memory_order_relaxed)) return;
    if (::madvise(base + at, kHugePage, MADV_POPULATE_WRITE) != 0) return;
  }
#else
  (void)max_bytes;
  (void)stop;
#endif
}

}  // namespace etchsim::trace
