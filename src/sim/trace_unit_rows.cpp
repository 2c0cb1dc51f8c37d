#include "trace_unit_rows.hpp"

#include <algorithm>

namespace etchsim::sim {
namespace {

using trace::kNoCycle;
using trace::kVcdX;
using trace::RowValues;

using Accepts = std::pmr::vector<chip::UnitLog::Accept>;

// How many tokens were taken at or before `cycle`.
size_t accepts_up_to(const Accepts& a, uint64_t cycle) {
  return static_cast<size_t>(
      std::upper_bound(a.begin(), a.end(), cycle,
                       [](uint64_t c, const chip::UnitLog::Accept& x) { return c < x.cycle; }) -
      a.begin());
}

// How many of n rising values at(0), at(1), ... are at or before `cycle`, given that the first
// `from` are: gallops forward from `from`. A cursor seeking to the next piece of its thread (the
// threads take turns) finds its entries a few dozen ahead of where it stands, where a binary
// search over the whole log would miss the cache a dozen times.
template <typename At>
size_t count_up_to_from(size_t n, size_t from, uint64_t cycle, At at) {
  size_t lo = from;  // at(i) <= cycle for every i < lo
  size_t hi = from;  // at(hi) > cycle, or hi == n
  for (size_t step = 1; hi < n && at(hi) <= cycle; step *= 2) {
    lo = hi + 1;
    hi += step;
  }
  hi = std::min(hi, n);
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (at(mid) <= cycle) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

size_t accepts_up_to(const Accepts& a, uint64_t cycle, size_t from) {
  return count_up_to_from(a.size(), from, cycle, [&a](size_t i) { return a[i].cycle; });
}

size_t cycles_up_to(Cycles c, uint64_t cycle, size_t from) {
  return count_up_to_from(c.size, from, cycle, [&c](size_t i) { return c.data[i]; });
}

// As Cycles::prefetch, for the 24-byte accepts.
void prefetch_next(const Accepts& a, size_t i) {
  if (i + 1 < a.size()) __builtin_prefetch(a.data() + i + 1);
}

constexpr size_t kCacheLine = 64;

// Asks the cache for the bytes [begin, end).
void prefetch_bytes(const void* begin, const void* end) {
  const auto* p = static_cast<const char*>(begin);
  const auto* e = static_cast<const char*>(end);
  for (; p < e; p += kCacheLine) __builtin_prefetch(p);
  if (begin < end) __builtin_prefetch(e - 1);
}

// Entries a cursor's run is expected to read in a log: as many as its previous run read, at
// least a few (the next piece is about as long) and at most a bound.
size_t expected_entries(size_t last_run) { return std::clamp<size_t>(last_run + 2, 4, 48); }

void prefetch_accepts(const Accepts& a, size_t i, size_t n) {
  if (i < a.size()) prefetch_bytes(a.data() + i, a.data() + std::min(a.size(), i + n));
}

// Every stride-th accept from one set by `phase`: units sampling the same tokens would put their
// samples in clusters (one token crosses the chip in a decode step), far apart (stride tokens),
// and the writer, which cuts the time at samples, would get pieces of very different sizes.
void sample(const Accepts& a, uint64_t stride, uint32_t phase, std::vector<uint64_t>& out) {
  for (size_t i = phase % stride; i < a.size(); i += stride) out.push_back(a[i].cycle);
}

class UnitCursor final : public trace::RowCursor {
 public:
  UnitCursor(const chip::UnitLog& unit, Cycles in, UnitRowIds rows)
      : m_log(unit.accepts),
        m_a(unit.accepts.data()),
        m_n_a(unit.accepts.size()),
        m_c(Cycles::of(unit.completes)),
        m_in(in),
        m_rows(rows),
        m_pos_row(rows.state + (rows.has_user ? 2 : 1)) {}

  void seek(uint64_t cycle, RowValues& values) override {
    Where& w = m_w;
    if (m_sought && cycle >= w.prev) {
      // Forward from where it stands (ii, current only while the unit is empty, is at most
      // the count).
      w.ia = accepts_up_to(m_log, cycle, w.ia);
      w.ic = cycles_up_to(m_c, cycle, w.ic);
      w.ii = cycles_up_to(m_in, cycle, w.ii);
    } else {
      w.ia = accepts_up_to(m_log, cycle);
      w.ic = m_c.count_up_to(cycle);
      w.ii = m_in.count_up_to(cycle);
    }
    m_sought = true;
    w.prev = cycle;
    if (w.ia + w.ic + w.ii > 0) set(cycle, values);
    load_next();
  }
  uint64_t next_cycle() const override { return m_w.next; }
  void run_until(uint64_t to, RowValues& values) override {
    // On a copy, whose fields the compiler keeps in registers: it would reload the members after
    // every character the changes write (a char store may alias anything reachable).
    UnitCursor c = *this;
    trace::run_steps(c, to, values);
    m_last_run = c.m_w.ia - m_w.ia;
    m_w = c.m_w;
  }
  void prefetch() const override {
    const size_t n = expected_entries(m_last_run);
    prefetch_accepts(m_log, m_w.ia, n);
    m_c.prefetch_range(m_w.ic, n);
    m_in.prefetch_range(m_w.ii, n);
  }
  uint64_t step(RowValues& values) override {
    Where& w = m_w;
    const uint64_t t = w.next;
    // A unit takes and hands on at most one token a cycle: advance without a branch, then check
    // (never loops in practice). Everything is read before the rows are set: the compiler would
    // read the logs again after the characters they write (a char store may alias anything).
    w.ia += w.na <= t;
    w.ic += w.nc <= t;
    uint64_t na = w.ia < m_n_a ? m_a[w.ia].cycle : kNoCycle;
    while (na <= t) {
      ++w.ia;
      na = w.ia < m_n_a ? m_a[w.ia].cycle : kNoCycle;
    }
    uint64_t nc = m_c.at(w.ic);
    while (nc <= t) nc = m_c.at(++w.ic);
    if (w.ia + 1 < m_n_a) __builtin_prefetch(m_a + w.ia + 1);
    m_c.prefetch(w.ic);
    w.prev = t;
    w.na = na;
    w.nc = nc;
    uint64_t next = std::min(na, nc);
    const size_t inside = w.ia - w.ic;
    if (inside == 0) {
      // The input register matters only to an empty unit (waiting): while tokens are inside,
      // its fills are no events and are counted when the unit empties.
      uint64_t ni = m_in.at(w.ii);
      while (ni <= t) ni = m_in.at(++w.ii);
      m_in.prefetch(w.ii);
      w.next = std::min(next, ni);
      values.set(m_rows.state, w.ii > w.ia ? kWaiting : kIdle);
      if (m_rows.has_user) values.set(m_rows.state + 1, kVcdX);
      values.set(m_pos_row, kVcdX);
    } else {
      const chip::UnitLog::Accept oldest = m_a[w.ic];
      if (oldest.done > t) next = std::min(next, oldest.done);
      w.next = next;
      values.set(m_rows.state, oldest.done <= t ? kStalled : kBusy);
      if (m_rows.has_user) values.set(m_rows.state + 1, oldest.seq);
      values.set(m_pos_row, oldest.pos);
    }
    if (m_rows.has_inside) values.set(m_pos_row + 1, inside);
    return w.next;
  }

 private:
  // The cursor's place in the logs.
  struct Where {
    size_t ia = 0, ic = 0, ii = 0;
    uint64_t na = kNoCycle, nc = kNoCycle;  // the cycles at those indices
    uint64_t prev = 0;                      // the cycle gone to last
    uint64_t next = kNoCycle;
  };

  // The next token taken or handed on, a token arriving in an empty unit's input register, or
  // the oldest token's result becoming ready (busy turns to stalled if it cannot leave then).
  void load_next() {
    Where& w = m_w;
    w.na = w.ia < m_n_a ? m_a[w.ia].cycle : kNoCycle;
    w.nc = m_c.at(w.ic);
    uint64_t t = std::min(w.na, w.nc);
    if (w.ia == w.ic) {
      t = std::min(t, m_in.at(w.ii));
    } else if (m_a[w.ic].done > w.prev) {
      t = std::min(t, m_a[w.ic].done);
    }
    w.next = t;
  }
  // ii is current only while the unit is empty.
  void set(uint64_t t, RowValues& values) const {
    const Where& w = m_w;
    const size_t inside = w.ia - w.ic;
    uint64_t state = w.ii > w.ia ? kWaiting : kIdle;
    uint64_t user = kVcdX, pos = kVcdX;
    if (inside > 0) {
      const chip::UnitLog::Accept& oldest = m_a[w.ic];
      state = oldest.done <= t ? kStalled : kBusy;
      user = oldest.seq;
      pos = oldest.pos;
    }
    values.set(m_rows.state, state);
    if (m_rows.has_user) values.set(m_rows.state + 1, user);
    values.set(m_pos_row, pos);
    if (m_rows.has_inside) values.set(m_pos_row + 1, inside);
  }

  const Accepts& m_log;
  const chip::UnitLog::Accept* m_a;  // m_log's entries
  size_t m_n_a;
  Cycles m_c, m_in;
  UnitRowIds m_rows;
  uint32_t m_pos_row;
  Where m_w;
  size_t m_last_run = 0;  // tokens taken in the last run_until()
  bool m_sought = false;  // gone to a cycle yet
};

class UnitSource final : public trace::RowSource {
 public:
  UnitSource(const chip::UnitLog& unit, Cycles in, UnitRowIds rows)
      : m_unit(unit), m_in(in), m_rows(rows) {}
  std::unique_ptr<trace::RowCursor> cursor() const override {
    return std::make_unique<UnitCursor>(m_unit, m_in, m_rows);
  }
  // About 2-3 changes per token and row: state 2-3, user, pos and inside 2 each.
  void sample_cycles(uint64_t every, std::vector<uint64_t>& out) const override {
    sample(m_unit.accepts, std::max<uint64_t>(1, every / (2 * m_rows.count())), m_rows.state, out);
  }

 private:
  const chip::UnitLog& m_unit;
  Cycles m_in;
  UnitRowIds m_rows;
};

// Tokens between the layer's input register and its last unit's hand-on, and the token its
// first unit took last (x while the layer is empty).
class LayerCursor final : public trace::RowCursor {
 public:
  LayerCursor(const chip::UnitLog& first_unit, Cycles in, Cycles leave, uint32_t tokens_row,
              bool has_user)
      : m_a(first_unit.accepts),
        m_in(in),
        m_leave(leave),
        m_row(tokens_row),
        m_has_user(has_user) {}

  void seek(uint64_t cycle, RowValues& values) override {
    if (m_sought && cycle >= m_prev) {
      m_ia = accepts_up_to(m_a, cycle, m_ia);
      m_ii = cycles_up_to(m_in, cycle, m_ii);
      m_il = cycles_up_to(m_leave, cycle, m_il);
    } else {
      m_ia = accepts_up_to(m_a, cycle);
      m_ii = m_in.count_up_to(cycle);
      m_il = m_leave.count_up_to(cycle);
    }
    m_sought = true;
    m_prev = cycle;
    if (m_ia + m_ii + m_il > 0) set(values);
    m_next = next();
  }
  uint64_t next_cycle() const override { return m_next; }
  void run_until(uint64_t to, RowValues& values) override {
    const size_t ia = m_ia;
    trace::run_steps(*this, to, values);
    m_last_run = m_ia - ia;
  }
  void prefetch() const override {
    const size_t n = expected_entries(m_last_run);
    prefetch_accepts(m_a, m_ia, n);
    m_in.prefetch_range(m_ii, n);
    m_leave.prefetch_range(m_il, n);
  }
  uint64_t step(RowValues& values) override {
    const uint64_t t = m_next;
    while (m_ia < m_a.size() && m_a[m_ia].cycle <= t) ++m_ia;
    while (m_in.at(m_ii) <= t) ++m_ii;
    while (m_leave.at(m_il) <= t) ++m_il;
    prefetch_next(m_a, m_ia);
    m_in.prefetch(m_ii);
    m_leave.prefetch(m_il);
    m_prev = t;
    set(values);
    m_next = next();
    return m_next;
  }

 private:
  uint64_t next() const {
    return std::min(
        {m_ia < m_a.size() ? m_a[m_ia].cycle : kNoCycle, m_in.at(m_ii), m_leave.at(m_il)});
  }
  void set(RowValues& values) const {
    const size_t n = m_ii - m_il;
    const bool token = n > 0 && m_ia > 0;
    values.set(m_row, n);
    if (m_has_user) values.set(m_row + 1, token ? m_a[m_ia - 1].seq : kVcdX);
    values.set(m_row + (m_has_user ? 2 : 1), token ? m_a[m_ia - 1].pos : kVcdX);
  }

  const Accepts& m_a;
  Cycles m_in, m_leave;
  uint32_t m_row;
  bool m_has_user;
  size_t m_ia = 0, m_ii = 0, m_il = 0;
  uint64_t m_prev = 0;  // the cycle gone to last
  uint64_t m_next = kNoCycle;
  size_t m_last_run = 0;  // tokens taken in the last run_until()
  bool m_sought = false;  // gone to a cycle yet
};

class LayerSource final : public trace::RowSource {
 public:
  LayerSource(const chip::UnitLog& first_unit, Cycles in, Cycles leave, uint32_t tokens_row,
              bool has_user)
      : m_first(first_unit), m_in(in), m_leave(leave), m_row(tokens_row), m_has_user(has_user) {}
  std::unique_ptr<trace::RowCursor> cursor() const override {
    return std::make_unique<LayerCursor>(m_first, m_in, m_leave, m_row, m_has_user);
  }
  // About 2 changes per token and row: tokens, user and pos.
  void sample_cycles(uint64_t every, std::vector<uint64_t>& out) const override {
    sample(m_first.accepts, std::max<uint64_t>(1, every / (m_has_user ? 6 : 4)), m_row, out);
  }

 private:
  const chip::UnitLog& m_first;
  Cycles m_in, m_leave;
  uint32_t m_row;
  bool m_has_user;
};

}  // namespace

void Cycles::prefetch_range(size_t i, size_t n) const {
  if (i < size) prefetch_bytes(data + i, data + std::min(size, i + n));
}

size_t Cycles::count_up_to(uint64_t cycle) const {
  return static_cast<size_t>(std::upper_bound(data, data + size, cycle) - data);
}

std::unique_ptr<trace::RowSource> unit_row_source(const chip::UnitLog& unit, Cycles in,
                                                  UnitRowIds rows) {
  return std::make_unique<UnitSource>(unit, in, rows);
}

std::unique_ptr<trace::RowSource> layer_row_source(const chip::UnitLog& first_unit, Cycles in,
                                                   Cycles leave, uint32_t tokens_row,
                                                   bool has_user) {
  return std::make_unique<LayerSource>(first_unit, in, leave, tokens_row, has_user);
}

}  // namespace etchsim::sim
