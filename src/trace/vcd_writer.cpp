#include "etchsim/trace/vcd_writer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <thread>

#include "change_list.hpp"
#include "etchsim/trace/huge_page_arena.hpp"
#include "vcd_body.hpp"

namespace etchsim::trace {
namespace {

constexpr uint32_t kNoSource = UINT32_MAX;

// Identifier codes: printable ASCII '!'..'~' (§18.2.1) without '$' (a token starting with '$'
// reads as a keyword), base 93, shortest first.
std::string id_code(uint32_t index) {
  static constexpr std::string_view kChars =
      "!\"#%&'()*+,-./"
      "0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";
  static_assert(kChars.size() == 93);
  std::string id;
  uint64_t n = index;
  do {
    id += kChars[n % kChars.size()];
    n /= kChars.size();
  } while (n-- > 0);
  return id;
}

void check_word(std::string_view what, std::string_view word) {
  if (word.empty() || word.find_first_of(" \t\r\n$") != std::string_view::npos) {
    throw std::invalid_argument(fmt::format("VCD writer: bad {} '{}'", what, word));
  }
}

bool fits(uint64_t value, uint32_t width) {
  return value == kVcdX || width >= 64 || (value >> width) == 0;
}

}  // namespace

VcdTimescale clock_timescale(double clock_hz) {
  if (!std::isfinite(clock_hz) || clock_hz <= 0) {
    throw std::invalid_argument(fmt::format("VCD timescale: bad clock frequency {} Hz", clock_hz));
  }
  const double period_fs = 1e15 / clock_hz;
  const double rounded = std::round(period_fs);
  if (rounded < 1 || rounded > 1e18) {
    throw std::invalid_argument(fmt::format("VCD timescale: clock {} Hz out of range", clock_hz));
  }
  // 1e15 / clock_hz is exact to ~1e-16 relative: a whole number of femtoseconds shows within
  // 1e-3 fs for any period up to 1e12 fs (1 kHz).
  const bool exact = std::abs(period_fs - rounded) < 1e-3;
  auto fs = static_cast<uint64_t>(rounded);
  static constexpr std::array<const char*, 6> kUnits = {"fs", "ps", "ns", "us", "ms", "s"};
  uint64_t unit_fs = 1;
  uint32_t steps = 0;  // powers of ten above 1 fs
  while (steps < 17 && fs % (unit_fs * 10) == 0) {
    unit_fs *= 10;
    ++steps;
  }
  static constexpr std::array<const char*, 3> kScale = {"1", "10", "100"};
  VcdTimescale t;
  t.unit = fmt::format("{} {}", kScale[steps % 3], kUnits[steps / 3]);
  t.per_cycle = fs / unit_fs;
  t.comment = fmt::format("one clock cycle ({} MHz) = {} x {}{}", clock_hz / 1e6, t.per_cycle,
                          t.unit, exact ? "" : " (period rounded to whole femtoseconds)");
  return t;
}

VcdTimescale cycle_timescale() {
  return {"1 ns", 1, "time unit = one clock cycle (not nanoseconds): --trace-time cycles"};
}

VcdWriter::VcdWriter(std::pmr::memory_resource* memory)
    : m_upstream(memory),
      m_memory(std::make_unique<std::pmr::monotonic_buffer_resource>(
          size_t{1} << 20, memory != nullptr ? memory : huge_page_resource())) {}

size_t VcdWriter::write_memory_bytes(unsigned threads) { return vcd_body_memory_bytes(threads); }

void VcdWriter::set_window(uint64_t from, uint64_t to) {
  if (from >= to) throw std::invalid_argument("VCD writer: empty window");
  for (const auto& c : m_changes) {
    if (!c.empty()) throw std::logic_error("VCD writer: window set after changes");
  }
  m_from = from;
  m_to = to;
}

uint32_t VcdWriter::add_var(const std::vector<std::string>& scope, const std::string& name,
                            uint32_t width, uint64_t initial) {
  if (width == 0 || width > 64) {
    throw std::invalid_argument(fmt::format("VCD writer: width {} of {}", width, name));
  }
  check_word("variable name", name);
  if (scope.empty()) throw std::invalid_argument("VCD writer: variable " + name + " has no scope");
  for (const std::string& s : scope) check_word("scope", s);
  if (m_vars.empty() || m_vars.back().scope != scope) {
    std::string path;  // the scope's names joined by blanks, which none of them holds
    for (const std::string& s : scope) path += s + ' ';
    if (!m_scopes.insert(std::move(path)).second) {
      throw std::invalid_argument(
          fmt::format("VCD writer: scope of {} declared again after others", name));
    }
  }
  if (!fits(initial, width)) {
    throw std::invalid_argument(fmt::format("VCD writer: {} does not fit {} bits", initial, width));
  }
  const auto index = static_cast<uint32_t>(m_vars.size());
  m_vars.push_back({scope, name, {id_code(index), width, initial}});
  m_changes.emplace_back(m_memory.get());
  m_source_of.push_back(kNoSource);
  return index;
}

void VcdWriter::change(uint32_t var, uint64_t cycle, uint64_t value) {
  const Var& v = m_vars.at(var);
  if (!fits(value, v.decl.width)) {
    throw std::logic_error(
        fmt::format("VCD writer: {} does not fit {} ({} bits)", value, v.name, v.decl.width));
  }
  if (m_source_of[var] != kNoSource) {
    throw std::logic_error(fmt::format("VCD writer: {} has a row source", v.name));
  }
  if (cycle >= m_to) return;
  cycle = std::max(cycle, m_from);  // earlier values collapse into the value at the window start
  std::pmr::vector<CycleValue>& list = m_changes[var];
  if (!list.empty()) {
    if (cycle < list.back().cycle) {
      throw std::logic_error(fmt::format("VCD writer: {} changed at cycle {} after cycle {}",
                                         v.name, cycle, list.back().cycle));
    }
    if (cycle == list.back().cycle) {
      list.back().value = value;
      return;
    }
  }
  list.push_back({cycle, value});
}

void VcdWriter::reserve_changes(uint32_t var, size_t changes) {
  std::pmr::vector<CycleValue>& list = m_changes.at(var);
  list.reserve(list.size() + changes);
}

void VcdWriter::add_source(uint32_t first, uint32_t count, std::unique_ptr<RowSource> source) {
  if (source == nullptr || count == 0 || first >= m_vars.size() || count > m_vars.size() - first) {
    throw std::invalid_argument(
        fmt::format("VCD writer: a row source for rows {}+{} of {}", first, count, m_vars.size()));
  }
  for (uint32_t r = first; r < first + count; ++r) {
    if (m_source_of[r] != kNoSource || !m_changes[r].empty()) {
      throw std::invalid_argument(
          fmt::format("VCD writer: {} already has its values", m_vars[r].name));
    }
  }
  const auto index = static_cast<uint32_t>(m_sources.size());
  for (uint32_t r = first; r < first + count; ++r) m_source_of[r] = index;
  m_sources.push_back({first, count, std::move(source)});
}

std::string VcdWriter::header(const VcdTimescale& timescale) const {
  std::string out = "$version etchsim $end\n";
  if (!timescale.comment.empty()) out += fmt::format("$comment {} $end\n", timescale.comment);
  out += fmt::format("$comment etchsim time_units_per_cycle {} $end\n", timescale.per_cycle);
  out += fmt::format("$timescale {} $end\n", timescale.unit);
  std::vector<std::string> open;  // the scopes open now
  for (const Var& v : m_vars) {
    size_t common = 0;
    while (common < open.size() && common < v.scope.size() && open[common] == v.scope[common])
      ++common;
    while (open.size() > common) {
      out += "$upscope $end\n";
      open.pop_back();
    }
    for (size_t s = common; s < v.scope.size(); ++s) {
      out += fmt::format("$scope module {} $end\n", v.scope[s]);
      open.push_back(v.scope[s]);
    }
    if (v.decl.width == 1) {
      out += fmt::format("$var wire 1 {} {} $end\n", v.decl.id, v.name);
    } else {
      out += fmt::format("$var wire {} {} {} [{}:0] $end\n", v.decl.width, v.decl.id, v.name,
                         v.decl.width - 1);
    }
  }
  while (!open.empty()) {
    out += "$upscope $end\n";
    open.pop_back();
  }
  out += "$enddefinitions $end\n#0\n$dumpvars\n";
  return out;
}

void VcdWriter::generate(const VcdTimescale& timescale, uint64_t end_cycle,
                         const std::function<void(std::string_view)>& put) const {
  if (timescale.per_cycle == 0) throw std::invalid_argument("VCD: 0 time units per cycle");
  std::vector<RowDecl> rows;
  rows.reserve(m_vars.size());
  for (const Var& v : m_vars) rows.push_back(v.decl);

  std::string head = header(timescale);
  {
    RowValues initial(rows, timescale.per_cycle);
    TextBuffer text;
    initial.set_output(&text, 0, 0);
    initial.dump();
    head.append(text.data(), initial.stop_output());
  }
  head += "$end\n";
  put(head);

  // Row sources in row order: the given ones, and one per variable given changes.
  std::vector<std::unique_ptr<RowSource>> lists;
  std::vector<const RowSource*> sources;
  for (uint32_t r = 0; r < m_vars.size(); ++r) {
    if (m_source_of[r] != kNoSource) {
      const SourceRows& s = m_sources[m_source_of[r]];
      if (s.first == r) sources.push_back(s.source.get());
    } else if (!m_changes[r].empty()) {
      lists.push_back(std::make_unique<ChangeListSource>(r, m_changes[r]));
      sources.push_back(lists.back().get());
    }
  }
  const uint64_t last_time =
      write_vcd_body({rows, sources, m_from, m_to, timescale.per_cycle, m_threads, m_upstream,
                      m_progress ? &m_progress : nullptr},
                     put);

  end_cycle = std::min(std::max(end_cycle, m_from), m_to == UINT64_MAX ? end_cycle : m_to);
  if (end_cycle != 0 && (last_time == kNoCycle || end_cycle > last_time)) {
    uint64_t time = 0;
    if (__builtin_mul_overflow(end_cycle, timescale.per_cycle, &time)) {
      throw std::runtime_error(fmt::format(
          "VCD: cycle {} does not fit the timescale ({} units per cycle); use --trace-time cycles",
          end_cycle, timescale.per_cycle));
    }
    put(fmt::format("#{}\n", time));
  }
}

std::string VcdWriter::text(const VcdTimescale& timescale, uint64_t end_cycle) const {
  std::string all;
  generate(timescale, end_cycle, [&all](std::string_view piece) { all += piece; });
  return all;
}

void VcdWriter::write(io::OutputFile& out, const VcdTimescale& timescale,
                      uint64_t end_cycle) const {
  generate(timescale, end_cycle, [&out](std::string_view piece) { out.write(piece); });
}

}  // namespace etchsim::trace
