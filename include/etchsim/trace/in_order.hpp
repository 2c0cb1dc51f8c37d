// Text made in parts on several threads and handed on in order: how the VCD's body and the
// timeline are written. Threads claim parts in order, at most threads + 1 beyond the next one to
// hand on (so only a few buffers exist, reused: after the first ones no fresh memory), each makes
// its part into a buffer, and whichever thread finishes the next part to hand on hands it on, and
// any finished after it. The bytes handed on depend on neither the number of threads nor their
// timing: only on what each part makes.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace etchsim::trace {

template <typename Buffer>
struct InOrder {
  size_t parts = 0;
  unsigned threads = 1;
  // A buffer for a thread's first part (later ones reuse the buffers handed on).
  std::function<Buffer()> new_buffer;
  // Called with each part in order, from one thread at a time.
  std::function<void(size_t part, Buffer& buffer)> hand_on;
};

namespace in_order_detail {

template <typename Buffer>
class Queue {
 public:
  Queue(const InOrder<Buffer>& job, size_t threads)
      : m_job(job), m_done(job.parts), m_ahead(threads + 1) {}

  // The next part to make and a buffer for it; false when there is none (or a thread failed).
  bool claim(size_t& part, Buffer& buffer) {
    std::unique_lock lock(m_mutex);
    m_cv.wait(lock, [this] {
      return m_failed || m_next_claim >= m_done.size() || m_next_claim < m_next_put + m_ahead;
    });
    if (m_failed || m_next_claim >= m_done.size()) return false;
    part = m_next_claim++;
    if (!m_pool.empty()) {
      buffer = std::move(m_pool.back());
      m_pool.pop_back();
    }
    return true;
  }

  void finish(size_t part, Buffer buffer) {
    std::unique_lock lock(m_mutex);
    m_done[part].emplace(std::move(buffer));
    if (m_putting) return;  // the thread handing on now hands this one on too
    m_putting = true;
    while (!m_failed && m_next_put < m_done.size() && m_done[m_next_put]) {
      Buffer b = std::move(*m_done[m_next_put]);
      m_done[m_next_put].reset();
      lock.unlock();
      try {
        m_job.hand_on(m_next_put, b);
      } catch (...) {
        lock.lock();
        m_putting = false;
        throw;
      }
      lock.lock();
      m_pool.push_back(std::move(b));
      ++m_next_put;
      m_cv.notify_all();
    }
    m_putting = false;
  }

  void fail(std::exception_ptr e) {
    std::lock_guard lock(m_mutex);
    if (!m_error) m_error = e;
    m_failed = true;
    m_cv.notify_all();
  }

  void rethrow() const {
    if (m_error) std::rethrow_exception(m_error);
  }

 private:
  const InOrder<Buffer>& m_job;
  std::mutex m_mutex;
  std::condition_variable m_cv;
  std::vector<std::optional<Buffer>> m_done;
  std::vector<Buffer> m_pool;
  size_t m_ahead;
  size_t m_next_claim = 0;
  size_t m_next_put = 0;
  bool m_putting = false;
  bool m_failed = false;
  std::exception_ptr m_error;
};

}  // namespace in_order_detail

// Makes every part of `job` on up to job.threads threads (this one and helpers; fewer when no more
// can be had) and hands them on in order. `new_maker()` is called once per thread and returns what
// makes a part there: maker(part, buffer) fills `buffer` with part `part` (a thread's own state,
// such as cursors, lives in it). Rethrows the first exception of any thread, after all stopped.
template <typename Buffer, typename NewMaker>
void make_in_order(const InOrder<Buffer>& job, NewMaker new_maker) {
  if (job.parts == 0) return;
  const size_t threads = std::clamp<size_t>(job.threads, 1, job.parts);
  in_order_detail::Queue<Buffer> queue(job, threads);
  const auto work = [&] {
    try {
      auto maker = new_maker();
      size_t part = 0;
      Buffer buffer = job.new_buffer();
      while (queue.claim(part, buffer)) {
        maker(part, buffer);
        queue.finish(part, std::move(buffer));
        buffer = job.new_buffer();
      }
    } catch (...) {
      queue.fail(std::current_exception());
    }
  };
  std::vector<std::thread> helpers;
  try {
    for (size_t t = 1; t < threads; ++t) helpers.emplace_back(work);
  } catch (const std::system_error&) {
    // No more threads to be had: the ones started and this one make every part.
  }
  work();
  for (std::thread& t : helpers) t.join();
  queue.rethrow();
}

}  // namespace etchsim::trace
