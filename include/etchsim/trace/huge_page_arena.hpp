// Memory for a traced run's logs and the trace writer's buffers: one anonymous mapping advised for
// transparent huge pages, handed out by a monotonic std::pmr resource.
//
// Why: a flagship traced run writes ~25 MB of logs, then the writer's piece buffers and change
// lists (~10 MB), into memory the process has never touched, and each first touch of a 4 KiB page
// is a page fault. On a bare host that costs
// ~0.5 us; on a virtual machine whose page tables the hypervisor shadows, every first touch exits
// to the hypervisor: ~18 us per page measured on the 2-core VM the project is tested on, 0.15 s
// for 32 MB, more than the whole untraced run. With 2 MiB pages one fault maps 512 times as much,
// and populate() takes the faults up front (on another thread if the caller likes). Where the
// kernel has no huge pages to give (THP "never", none free) it is plain memory: same values.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <mutex>

namespace etchsim::trace {

// A block of `bytes` (rounded up to whole 2 MiB pages) on its own huge-page mapping, and its
// release (the same `bytes`). For buffers of a MiB or more (DefaultInitAllocator, row_values.hpp).
// Throws std::bad_alloc.
void* huge_page_allocate(size_t bytes);
void huge_page_deallocate(void* block, size_t bytes) noexcept;
// A resource handing out blocks of 512 KiB or more from huge_page_allocate and smaller ones from
// the default resource: the upstream of a std::pmr::monotonic_buffer_resource whose blocks grow.
std::pmr::memory_resource* huge_page_resource();

class HugePageArena {
 public:
  // Room for `bytes` (rounded up to whole 2 MiB pages, at least one). Allocations past it come from
  // the default resource. Throws std::bad_alloc when the mapping fails.
  explicit HugePageArena(size_t bytes);
  ~HugePageArena();
  HugePageArena(const HugePageArena&) = delete;
  HugePageArena& operator=(const HugePageArena&) = delete;

  // The resource to give containers; memory comes back only when the arena dies. Threads may
  // share it (its allocations take a lock: they are few, each a list or buffer).
  std::pmr::memory_resource* resource() { return &m_locked; }
  // Maps the room's first `max_bytes` now, as if written (MADV_POPULATE_WRITE; nothing where the
  // kernel lacks it), a huge page at a time, front to back; returns early once `stop` (if given)
  // reads true. Thread-safe against allocations and writes: it changes no byte.
  void populate(size_t max_bytes = SIZE_MAX, const std::atomic<bool>* stop = nullptr) const;
  size_t capacity() const { return m_size; }

 private:
  class Locked final : public std::pmr::memory_resource {
   public:
    explicit Locked(std::pmr::memory_resource* upstream) : m_upstream(upstream) {}

   private:
    void* do_allocate(size_t bytes, size_t alignment) override;
    void do_deallocate(void* p, size_t bytes, size_t alignment) override;
    bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
      return this == &other;
    }
    std::mutex m_mutex;
    std::pmr::memory_resource* m_upstream;
  };
  void* m_base = nullptr;
  size_t m_size = 0;
  std::pmr::monotonic_buffer_resource m_resource;
  Locked m_locked{&m_resource};
};

}  // namespace etchsim::trace
