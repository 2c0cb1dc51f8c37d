#include "etchsim/trace/vcd_writer.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdio>
#include <functional>
#include <stdexcept>

namespace etchsim::trace {
namespace {

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

// Appends a value change: "0!" for one bit, "b101 !" for a vector.
void append_value(std::string& out, uint64_t value, uint32_t width, const std::string& id) {
  if (width == 1) {
    out += value == kVcdX ? 'x' : static_cast<char>('0' + (value & 1));
  } else {
    out += 'b';
    if (value == kVcdX) {
      out += 'x';
    } else if (value == 0) {
      out += '0';
    } else {
      std::array<char, 64> bits{};
      const int n = 64 - std::countl_zero(value);
      for (int i = 0; i < n; ++i) bits[i] = static_cast<char>('0' + ((value >> (n - 1 - i)) & 1));
      out.append(bits.data(), static_cast<size_t>(n));
    }
    out += ' ';
  }
  out += id;
  out += '\n';
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

void VcdWriter::set_window(uint64_t from, uint64_t to) {
  if (from >= to) throw std::invalid_argument("VCD writer: empty window");
  if (!m_changes.empty()) throw std::logic_error("VCD writer: window set after changes");
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
  if (!m_vars.empty() && m_vars.back().scope != scope) {
    for (const Var& v : m_vars) {
      if (v.scope == scope) {
        throw std::invalid_argument(
            fmt::format("VCD writer: scope of {} declared again after others", name));
      }
    }
  }
  if (initial != kVcdX && width < 64 && (initial >> width) != 0) {
    throw std::invalid_argument(fmt::format("VCD writer: {} does not fit {} bits", initial, width));
  }
  const auto index = static_cast<uint32_t>(m_vars.size());
  Var v;
  v.scope = scope;
  v.name = name;
  v.id = id_code(index);
  v.width = width;
  v.initial = initial;
  v.committed = initial;
  m_vars.push_back(std::move(v));
  return index;
}

void VcdWriter::commit(Var& v, uint32_t index) {
  if (!v.has_pending) return;
  v.has_pending = false;
  if (v.pending == v.committed) return;
  v.committed = v.pending;
  m_changes.push_back({v.pending_cycle, v.pending, index});
}

// A stable LSD radix sort on the cycle, 13 bits a pass over the bits the largest cycle needs:
// changes with equal cycles keep the order they were committed in, which depends only on the
// calls made (a trace has millions of changes; a comparison sort cost most of its writing).
void VcdWriter::sort_by_cycle() {
  uint64_t max_cycle = 0;
  for (const Change& c : m_changes) max_cycle = std::max(max_cycle, c.cycle);
  constexpr uint32_t kBits = 13;
  constexpr size_t kBuckets = size_t{1} << kBits;
  std::vector<Change> other(m_changes.size());
  for (uint32_t shift = 0; shift < 64 && (max_cycle >> shift) != 0; shift += kBits) {
    std::vector<size_t> start(kBuckets + 1, 0);
    for (const Change& c : m_changes) ++start[((c.cycle >> shift) & (kBuckets - 1)) + 1];
    for (size_t b = 1; b <= kBuckets; ++b) start[b] += start[b - 1];
    for (const Change& c : m_changes) other[start[(c.cycle >> shift) & (kBuckets - 1)]++] = c;
    m_changes.swap(other);
  }
}

void VcdWriter::change(uint32_t var, uint64_t cycle, uint64_t value) {
  Var& v = m_vars.at(var);
  if (value != kVcdX && v.width < 64 && (value >> v.width) != 0) {
    throw std::logic_error(
        fmt::format("VCD writer: {} does not fit {} ({} bits)", value, v.name, v.width));
  }
  if (cycle >= m_to) return;
  cycle = std::max(cycle, m_from);  // earlier values collapse into the value at the window start
  if (v.has_pending) {
    if (cycle < v.pending_cycle) {
      throw std::logic_error(fmt::format("VCD writer: {} changed at cycle {} after cycle {}",
                                         v.name, cycle, v.pending_cycle));
    }
    if (cycle == v.pending_cycle) {
      v.pending = value;
      return;
    }
    commit(v, var);
  }
  v.pending = value;
  v.pending_cycle = cycle;
  v.has_pending = true;
}

void VcdWriter::generate(const VcdTimescale& timescale, uint64_t end_cycle,
                         const std::function<void(std::string_view)>& put) {
  for (uint32_t i = 0; i < m_vars.size(); ++i) commit(m_vars[i], i);
  sort_by_cycle();
  const uint64_t last_cycle = std::max(end_cycle, m_changes.empty() ? 0 : m_changes.back().cycle);
  if (timescale.per_cycle == 0 || last_cycle > UINT64_MAX / timescale.per_cycle) {
    throw std::runtime_error(fmt::format(
        "VCD: cycle {} does not fit the timescale ({} units per cycle); use --trace-time cycles",
        last_cycle, timescale.per_cycle));
  }
  constexpr size_t kPiece = size_t{1} << 20;
  std::string out;
  out.reserve(kPiece + 4096);
  out += "$version etchsim $end\n";
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
    if (v.width == 1) {
      out += fmt::format("$var wire 1 {} {} $end\n", v.id, v.name);
    } else {
      out += fmt::format("$var wire {} {} {} [{}:0] $end\n", v.width, v.id, v.name, v.width - 1);
    }
  }
  while (!open.empty()) {
    out += "$upscope $end\n";
    open.pop_back();
  }
  out += "$enddefinitions $end\n#0\n$dumpvars\n";
  for (const Var& v : m_vars) append_value(out, v.initial, v.width, v.id);
  out += "$end\n";
  uint64_t last = UINT64_MAX;
  for (const Change& c : m_changes) {
    if (c.cycle != last) {
      if (c.cycle != 0) {
        out += '#';
        out += fmt::format_int(c.cycle * timescale.per_cycle).c_str();
        out += '\n';
      }
      last = c.cycle;
    }
    const Var& v = m_vars[c.var];
    append_value(out, c.value, v.width, v.id);
    if (out.size() >= kPiece) {
      put(out);
      out.clear();
    }
  }
  end_cycle = std::min(std::max(end_cycle, m_from), m_to == UINT64_MAX ? end_cycle : m_to);
  if (end_cycle != 0 && (last == UINT64_MAX || end_cycle > last)) {
    out += '#';
    out += fmt::format_int(end_cycle * timescale.per_cycle).c_str();
    out += '\n';
  }
  put(out);
}

std::string VcdWriter::text(const VcdTimescale& timescale, uint64_t end_cycle) {
  std::string all;
  generate(timescale, end_cycle, [&all](std::string_view piece) { all += piece; });
  return all;
}

void VcdWriter::write(const std::filesystem::path& path, const VcdTimescale& timescale,
                      uint64_t end_cycle) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) throw std::runtime_error("cannot create " + path.string());
  bool ok = true;
  try {
    generate(timescale, end_cycle, [f, &ok](std::string_view piece) {
      ok = ok && std::fwrite(piece.data(), 1, piece.size(), f) == piece.size();
    });
  } catch (...) {
    std::fclose(f);
    throw;
  }
  if (std::fclose(f) != 0 || !ok) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace etchsim::trace
