// etchsim's own VCD writer (IEEE 1364-2005 §18.2): it is given value changes stamped with their
// cycle, in any order across variables, and writes them in time order. Nothing is sampled: a
// variable that does not change costs nothing, whatever the run's length.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace etchsim::trace {

inline constexpr uint64_t kVcdX = UINT64_MAX;  // the unknown value: 'x' (a 64-bit var cannot
                                               // hold all ones)

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

  size_t var_count() const { return m_vars.size(); }
  // Room for about `n` changes (saves regrowing a large trace).
  void reserve_changes(size_t n) { m_changes.reserve(n); }
  // The VCD text (changes in time order; within a time, in the order they were settled), ending
  // with the time of `end_cycle` (the run's last cycle, clipped to the window) so a reader knows
  // the run's length. The header holds the comment "etchsim time_units_per_cycle N". The same
  // calls in the same order give the same bytes; the values over time do not depend on the
  // order of calls across variables.
  std::string text(const VcdTimescale& timescale, uint64_t end_cycle);
  // Writes text() to `path`, a piece at a time.
  void write(const std::filesystem::path& path, const VcdTimescale& timescale, uint64_t end_cycle);

 private:
  struct Var {
    std::vector<std::string> scope;
    std::string name;
    std::string id;
    uint32_t width = 1;
    uint64_t initial = kVcdX;
    uint64_t committed = kVcdX;  // the value before the pending cycle
    uint64_t pending = kVcdX;    // the value set in cycle pending_cycle
    uint64_t pending_cycle = 0;
    bool has_pending = false;
  };
  struct Change {
    uint64_t cycle;
    uint64_t value;
    uint32_t var;
  };
  void commit(Var& v, uint32_t index);
  // The text in pieces of about 1 MiB, each handed to `put`.
  void generate(const VcdTimescale& timescale, uint64_t end_cycle,
                const std::function<void(std::string_view)>& put);
  void sort_by_cycle();
  std::vector<Var> m_vars;
  std::vector<Change> m_changes;
  uint64_t m_from = 0;
  uint64_t m_to = UINT64_MAX;
};

}  // namespace etchsim::trace
