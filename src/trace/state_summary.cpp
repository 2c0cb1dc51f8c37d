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

std::vector<UnitStateSummary> summarize_unit_states(const VcdFile& vcd) {
  const uint64_t per_cycle = cycles_per_unit(vcd);
  const uint64_t end = to_cycle(vcd.end_time, per_cycle, "the trace's end");
  std::map<std::string, const VcdVar*> by_name;
  for (const VcdVar& v : vcd.vars) by_name[v.full_name] = &v;
  std::vector<UnitStateSummary> out;
  for (const VcdVar& v : vcd.vars) {
    // chip.<group>.<unit>.state
    if (!v.full_name.ends_with(".state")) continue;
    const std::string base = v.full_name.substr(0, v.full_name.size() - 6);
    const size_t dot2 = base.rfind('.');
    const size_t dot1 = dot2 == std::string::npos ? std::string::npos : base.rfind('.', dot2 - 1);
    if (dot1 == std::string::npos) continue;
    const auto user = by_name.find(base + ".user");
    const auto pos = by_name.find(base + ".pos");
    // A one-user run's trace has no user rows: the position alone tells the tokens apart.
    if (pos == by_name.end()) throw std::runtime_error("trace: " + v.full_name + " has no pos row");
    UnitStateSummary s;
    s.group = base.substr(dot1 + 1, dot2 - dot1 - 1);
    s.unit = base.substr(dot2 + 1);
    // Walk the three rows' changes in time order: a stall run ends when the state leaves 2 or
    // the token (user, pos) changes.
    struct Event {
      uint64_t cycle;
      int row;  // 0 state, 1 user, 2 pos
      std::string value;
    };
    std::vector<Event> events;
    const std::pair<const VcdVar*, int> rows[] = {
        {&v, 0}, {user == by_name.end() ? nullptr : user->second, 1}, {pos->second, 2}};
    for (const auto& [var, row] : rows) {
      if (var == nullptr) continue;
      for (const VcdChange& c : var->changes)
        events.push_back({to_cycle(c.time, per_cycle, var->full_name), row, c.value});
    }
    std::stable_sort(events.begin(), events.end(),
                     [](const Event& a, const Event& b) { return a.cycle < b.cycle; });
    uint64_t state = 0, since = 0, stall_since = 0;
    bool stalling = false;
    uint64_t counts[4] = {0, 0, 0, 0};
    const auto close_stall = [&](uint64_t at) {
      if (stalling) s.longest_stall = std::max(s.longest_stall, at - stall_since);
      stalling = false;
    };
    for (size_t i = 0; i < events.size();) {
      const uint64_t t = events[i].cycle;
      if (t > end) break;
      counts[state] += t - since;
      since = t;
      uint64_t next_state = state;
      bool token_changed = false;
      for (; i < events.size() && events[i].cycle == t; ++i) {
        if (events[i].row != 0) {
          token_changed = true;
          continue;
        }
        const std::optional<uint64_t> value = vcd_value_to_uint(events[i].value);
        if (!value || *value > 3) {
          throw std::runtime_error(
              fmt::format("trace: {} holds '{}' at cycle {}", v.full_name, events[i].value, t));
        }
        next_state = *value;
      }
      if (stalling && (next_state != 2 || token_changed)) close_stall(t);
      if (next_state == 2 && !stalling) {
        stalling = true;
        stall_since = t;
      }
      state = next_state;
    }
    counts[state] += end > since ? end - since : 0;
    close_stall(std::max(end, since));
    s.idle = counts[0];
    s.busy = counts[1];
    s.stalled = counts[2];
    s.waiting = counts[3];
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace etchsim::trace
