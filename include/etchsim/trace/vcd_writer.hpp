// etchsim's own VCD writer (IEEE 1364-2005 §18.2). Rows get their values either change by change
// (change(), in any order across rows) or from a row source (add_source(), row_source.hpp) that
// computes them while the file is written, so a trace of millions of changes is never held as a
// list. Nothing is sampled: a row that does not change costs nothing, whatever the run's length.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <memory_resource>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "etchsim/io/output_path.hpp"
#include "etchsim/trace/row_source.hpp"
#include "etchsim/trace/row_values.hpp"

namespace etchsim::trace {

// How cycles map to VCD time: `unit` is the $timescale ("1 ps"), one cycle is `per_cycle` units.
struct VcdTimescale {
  std::string unit = "1 ns";
  uint64_t per_cycle = 1;
  std::string comment;  // written as a $comment beside the timescale
};

// The clock period as a VCD timescale: the largest of 1/10/100 s, ms, us, ns, ps, fs that divides
// the period exactly (500 MHz: "1 ns", 2 per cycle; 800 MHz: "10 ps", 125 per cycle). A period
// that is no whole number of femtoseconds is rounded to them (the comment says so). Throws
// std::invalid_argument for a clock that is not finite and > 0.
VcdTimescale clock_timescale(double clock_hz);
// One time unit per cycle ("1 ns" labelled as cycles in the comment).
VcdTimescale cycle_timescale();

class VcdWriter {
 public:
  // `memory`: where the change lists and the text's buffers come from, shared by the writing
  // threads (so thread-safe, e.g. a HugePageArena's) and outliving the writer; null: huge pages
  // of the writer's own. A caller that maps `memory` ahead (another thread, while the run goes)
  // spares the writing the first touches: write_memory_bytes() is what the text takes of it.
  explicit VcdWriter(std::pmr::memory_resource* memory = nullptr);
  // The memory write() takes with `threads` threads when a trace's pieces are no larger than a
  // flagship's (~420 KB of text in 32 K changes); larger ones take more.
  static size_t write_memory_bytes(unsigned threads);
  // Only changes at cycles in [from, to) are written; the value a variable has at `from` is
  // written at `from`. Set before the first change.
  void set_window(uint64_t from, uint64_t to);

  // A variable `width` bits wide (1..64) named `name` in the scope path `scope` (outermost
  // first, at least one); `initial` is its value at time 0 (kVcdX for unknown). Variables of one
  // scope must be added one after another. Returns its index. Throws std::invalid_argument for
  // a bad width, an empty or blank-containing name or scope, or a scope seen again after others.
  uint32_t add_var(const std::vector<std::string>& scope, const std::string& name, uint32_t width,
                   uint64_t initial);
  // `var` has `value` from cycle `cycle` on. Per variable, cycles must not decrease (else
  // std::logic_error); a second change in the same cycle replaces the first, and a change to
  // the value the variable already has is dropped. Values wider than the variable are an error.
  void change(uint32_t var, uint64_t cycle, uint64_t value);
  // Room for `changes` more changes of `var` (a long list then grows without copying).
  void reserve_changes(uint32_t var, size_t changes);
  // Variables [first, first + count) get their values from `source`, which sets them in rising
  // order at each cycle (they take no change()). Throws std::invalid_argument for rows that do
  // not exist or that another source or change() already gives values to.
  void add_source(uint32_t first, uint32_t count, std::unique_ptr<RowSource> source);
  // Threads that write the text (default 1); the bytes do not depend on it.
  void set_threads(unsigned threads) { m_threads = threads == 0 ? 1 : threads; }
  // Called while the body is written, from one thread at a time, with the share written so far
  // as `done` of `total` parts of about equal work (for a progress line).
  void set_progress(std::function<void(uint64_t done, uint64_t total)> progress) {
    m_progress = std::move(progress);
  }

  size_t var_count() const { return m_vars.size(); }
  // The VCD text: the header (its comment "etchsim time_units_per_cycle N"), every variable's
  // initial value at #0, then the changes in time order and, within a time, in variable order;
  // ending with the time of `end_cycle` (the run's last cycle, clipped to the window) so a reader
  // knows the run's length. The same variables, values and window give the same bytes.
  std::string text(const VcdTimescale& timescale, uint64_t end_cycle) const;
  // Writes text() into `out`, a piece at a time (the caller commits it).
  void write(io::OutputFile& out, const VcdTimescale& timescale, uint64_t end_cycle) const;

 private:
  struct Var {
    std::vector<std::string> scope;
    std::string name;
    RowDecl decl;
  };
  struct SourceRows {
    uint32_t first;
    uint32_t count;
    std::unique_ptr<RowSource> source;
  };
  void generate(const VcdTimescale& timescale, uint64_t end_cycle,
                const std::function<void(std::string_view)>& put) const;
  std::string header(const VcdTimescale& timescale) const;
  std::vector<Var> m_vars;
  std::unordered_set<std::string> m_scopes;  // every scope declared (joined names)
  // The change lists' memory: blocks from huge pages (a flagship's KV rows hold ~1 MB of changes,
  // and every 4 KiB page first touched is a page fault).
  std::pmr::memory_resource* m_upstream;  // the caller's memory, or null
  std::unique_ptr<std::pmr::monotonic_buffer_resource> m_memory;
  std::vector<std::pmr::vector<CycleValue>> m_changes;  // per variable, from change()
  std::vector<uint32_t> m_source_of;                    // per variable: its source's index, or none
  std::vector<SourceRows> m_sources;
  uint64_t m_from = 0;
  uint64_t m_to = UINT64_MAX;
  unsigned m_threads = 1;
  std::function<void(uint64_t, uint64_t)> m_progress;
};

}  // namespace etchsim::trace
