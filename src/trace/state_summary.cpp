#include "etchsim/trace/state_summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <stdexcept>

namespace etchsim::trace {
namespace {

uint64_t cycles_per_unit(const VcdFile& vcd) {
  for (const std::string& c : vcd.comments) {
    constexpr std::string_view kKey = "etchsim time_units_per_cycle ";
    if (!c.starts_with(kKey)) continue;
    uint64_t v = 0;
    for (char ch : c.substr(kKey.size())) {
      if (ch < '0' || ch > '9' || v > UINT64_MAX / 10) {
        throw std::runtime_error("trace: bad time_units_per_cycle comment '" + c + "'");
      }
      v = v * 10 + static_cast<uint64_t>(ch - '0');
    }
    if (v == 0) throw std::runtime_error("trace: time_units_per_cycle is 0");
    return v;
  }
  throw std::runtime_error(
      "trace: no 'etchsim time_units_per_cycle' comment (not a trace etchsim run wrote)");
}

uint64_t to_cycle(uint64_t time, uint64_t per_cycle, const std::string& row) {
  if (time % per_cycle != 0) {
    throw std::runtime_error(
        fmt::format("trace: {} changes at time {}, no whole cycle", row, time));
  }
  return time / per_cycle;
}

}  // namespace

namespace {

// The summary as the changes stream by: per unit its state, the cycles per state so far, and the
// cycle whose changes are still coming (a cycle's changes are applied together, at its end, as
// the next cycle's first change or the file's end shows it complete).
class Summarizer final : public VcdVisitor {
 public:
  void declarations(const VcdFile& vcd) override {
    m_per_cycle = cycles_per_unit(vcd);
    std::map<std::string, uint32_t> by_name;
    for (uint32_t i = 0; i < vcd.vars.size(); ++i) by_name[vcd.vars[i].full_name] = i;
    m_role.assign(vcd.vars.size(), Role{});
    for (uint32_t i = 0; i < vcd.vars.size(); ++i) {
      const VcdVar& v = vcd.vars[i];
      // chip.<group>.<unit>.state
      if (!v.full_name.ends_with(".state")) continue;
      const std::string base = v.full_name.substr(0, v.full_name.size() - 6);
      const size_t dot2 = base.rfind('.');
      const size_t dot1 =
          dot2 == std::string::npos || dot2 == 0 ? std::string::npos : base.rfind('.', dot2 - 1);
      if (dot1 == std::string::npos) continue;
      const auto user = by_name.find(base + ".user");
      const auto pos = by_name.find(base + ".pos");
      // A one-user run's trace has no user rows: the position alone tells the tokens apart.
      if (pos == by_name.end()) {
        throw std::runtime_error("trace: " + v.full_name + " has no pos row");
      }
      const auto unit = static_cast<uint32_t>(m_units.size());
      Unit& u = m_units.emplace_back();
      u.name = v.full_name;
      u.out.group = base.substr(dot1 + 1, dot2 - dot1 - 1);
      u.out.unit = base.substr(dot2 + 1);
      m_role[i] = {unit, kState};
      if (user != by_name.end()) m_role[user->second] = {unit, kToken};
      m_role[pos->second] = {unit, kToken};
    }
  }

  void change(uint64_t time, std::span<const uint32_t> vars, std::string_view value) override {
    for (const uint32_t var : vars) {
      const Role role = m_role[var];
      if (role.kind == kNone) continue;
      Unit& u = m_units[role.unit];
      const uint64_t cycle = to_cycle(time, m_per_cycle, u.name);
      if (u.pending && cycle != u.cycle) apply(u);
      if (!u.pending) {
        u.pending = true;
        u.cycle = cycle;
        u.next_state = u.state;
        u.token_changed = false;
      }
      if (role.kind == kToken) {
        u.token_changed = true;
        continue;
      }
      const std::optional<uint64_t> state = vcd_value_to_uint(value);
      if (!state || *state > 3) {
        throw std::runtime_error(
            fmt::format("trace: {} holds '{}' at cycle {}", u.name, value, cycle));
      }
      u.next_state = *state;
    }
  }

  void end(uint64_t end_time) override {
    const uint64_t end = to_cycle(end_time, m_per_cycle, "the trace's end");
    for (Unit& u : m_units) {
      if (u.pending) apply(u);
      u.counts[u.state] += end > u.since ? end - u.since : 0;
      close_stall(u, std::max(end, u.since));
      u.out.idle = u.counts[0];
      u.out.busy = u.counts[1];
      u.out.stalled = u.counts[2];
      u.out.waiting = u.counts[3];
    }
  }

  std::vector<UnitStateSummary> take() {
    std::vector<UnitStateSummary> out;
    out.reserve(m_units.size());
    for (Unit& u : m_units) out.push_back(std::move(u.out));
    return out;
  }

 private:
  enum Kind : uint8_t { kNone, kState, kToken };  // kToken: user or pos
  struct Role {
    uint32_t unit = 0;
    Kind kind = kNone;
  };
  struct Unit {
    std::string name;  // its state row's
    UnitStateSummary out;
    uint64_t counts[4] = {0, 0, 0, 0};
    uint64_t state = 0, since = 0;
    bool stalling = false;
    uint64_t stall_since = 0;
    // The cycle whose changes are being gathered.
    bool pending = false;
    uint64_t cycle = 0;
    uint64_t next_state = 0;
    bool token_changed = false;
  };

  static void close_stall(Unit& u, uint64_t at) {
    if (u.stalling) u.out.longest_stall = std::max(u.out.longest_stall, at - u.stall_since);
    u.stalling = false;
  }
  // The unit's pending cycle, complete: the time since its last change counted in its old state,
  // then its new state; a stall run ends when the state leaves 2 or the token (user, pos) changes.
  static void apply(Unit& u) {
    const uint64_t t = u.cycle;
    u.counts[u.state] += t - u.since;
    u.since = t;
    if (u.stalling && (u.next_state != 2 || u.token_changed)) close_stall(u, t);
    if (u.next_state == 2 && !u.stalling) {
      u.stalling = true;
      u.stall_since = t;
    }
    u.state = u.next_state;
    u.pending = false;
  }

  uint64_t m_per_cycle = 1;
  std::vector<Role> m_role;  // per declared variable
  std::vector<Unit> m_units;
};

}  // namespace

std::vector<UnitStateSummary> summarize_unit_states(std::istream& in) {
  Summarizer summarizer;
  parse_vcd(in, summarizer);
  return summarizer.take();
}

}  // namespace etchsim::trace
