// Internal to model/: counts bytes filled by the writer's threads and reports them through a
// SynthProgress at once, then at most every 100 ms, from one thread at a time.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>

#include "etchsim/model/synth.hpp"

namespace etchsim::model::detail {

class ProgressMeter {
 public:
  ProgressMeter(uint64_t total, SynthProgress callback)
      : m_total(total), m_callback(std::move(callback)) {}

  // Thread-safe; reports unless another thread is reporting or the last report is recent.
  void add(uint64_t bytes) {
    m_done.fetch_add(bytes, std::memory_order_relaxed);
    if (!m_callback) return;
    std::unique_lock lock(m_mutex, std::try_to_lock);
    if (!lock.owns_lock()) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - m_last < kInterval) return;
    m_last = now;
    m_callback(m_done.load(std::memory_order_relaxed), m_total);
  }
  // The final report, once every byte is written.
  void finish() {
    if (!m_callback) return;
    const std::lock_guard lock(m_mutex);
    m_callback(m_total, m_total);
  }

 private:
  static constexpr std::chrono::milliseconds kInterval{100};
  const uint64_t m_total;
  const SynthProgress m_callback;
  std::atomic<uint64_t> m_done{0};
  std::mutex m_mutex;
  std::chrono::steady_clock::time_point m_last{};  // the first add() reports
};

}  // namespace etchsim::model::detail
