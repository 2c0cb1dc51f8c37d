#include "trace_signals.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "kv_replay.hpp"
#include "trace_unit_rows.hpp"

namespace etchsim::sim {
namespace {

using trace::kVcdX;

// Rows are added to the writer and to the .gtkw group together.
class Rows {
 public:
  Rows(trace::VcdWriter& vcd, trace::SignalGroup& group) : m_vcd(vcd), m_group(group) {}
  uint32_t add(const std::vector<std::string>& scope, const std::string& name, uint32_t width,
               uint64_t initial, const std::string& alias) {
    const uint32_t var = m_vcd.add_var(scope, name, width, initial);
    std::string full;
    for (const std::string& s : scope) full += s + ".";
    m_group.signals.push_back(trace::gtkw_signal_name(full + name, width));
    m_group.aliases.push_back(alias);
    return var;
  }

 private:
  trace::VcdWriter& m_vcd;
  trace::SignalGroup& m_group;
};

// Declares a unit's rows and gives them their source. Rows that would only repeat another are
// left out (the "drop rows with no meaning in the run"; together 28% of a flagship
// trace's bytes): `user` in a one-user run (busy or stalled means user 0, else x) and
// `inside` of a unit that never held two tokens at once (1 exactly while busy or stalled).
void add_unit_rows(Rows& rows, const std::vector<std::string>& scope, const std::string& label,
                   const chip::PipelineUnit& unit, const chip::UnitLog& log, Cycles in,
                   bool multi_user, trace::VcdWriter& vcd) {
  std::vector<std::string> s = scope;
  s.push_back(unit.name());
  const std::string a = label + " " + unit.name();
  UnitRowIds ids;
  ids.state = rows.add(s, "state", 2, kIdle, a + " state");
  ids.has_user = multi_user;
  if (ids.has_user) rows.add(s, "user", 32, kVcdX, a + " user");
  rows.add(s, "pos", 32, kVcdX, a + " pos");
  if (unit.capacity() > 1 && unit.held_several()) {
    const uint32_t width = 32 - static_cast<uint32_t>(__builtin_clz(unit.capacity()));
    rows.add(s, "inside", width, 0, a + " inside");
    ids.has_inside = true;
  }
  vcd.add_source(ids.state, ids.count(), unit_row_source(log, in, ids));
}

uint32_t bits_for(uint64_t max_value) {
  return max_value == 0 ? 1 : 64 - static_cast<uint32_t>(__builtin_clzll(max_value));
}

}  // namespace

std::vector<trace::SignalGroup> trace_signals(const TraceSource& src, trace::VcdWriter& vcd) {
  const chip::Chip& chip = src.chip;
  const chip::ChipTraceLog& log = src.log;
  const size_t n_units = log.units.size();
  const auto n_layer = static_cast<uint32_t>(chip.layers().size());
  std::vector<trace::SignalGroup> groups;
  // Pipeline order: host_in, every layer's units, the LM head's, host_out.
  const auto in_of = [&](size_t i) {
    return i == 0 ? Cycles::of(log.inputs) : Cycles::of(log.units[i - 1].completes);
  };
  const uint64_t kv_capacity = chip.kv_sram().capacity_bytes();
  const uint64_t kv_row_pair = chip.kv_sram().bytes_per_position() / std::max(n_layer, 1u);
  const uint32_t kv_bits = bits_for(kv_capacity);
  const bool multi_user = src.users.size() > 1;

  // Host link: the two link units, tokens out, last token (functional), LoRA (adapters).
  groups.push_back({"host_link", {}, {}, true});
  {
    Rows rows(vcd, groups.back());
    const std::vector<std::string> scope = {"chip", "host_link"};
    add_unit_rows(rows, scope, "link", chip.host_in(), log.units.front(), in_of(0), multi_user,
                  vcd);
    add_unit_rows(rows, scope, "link", chip.host_out(), log.units.back(), in_of(n_units - 1),
                  multi_user, vcd);
    const uint32_t tokens_out = rows.add(scope, "tokens_out", 32, 0, "link tokens_out");
    uint32_t last_token = UINT32_MAX;
    if (src.functional) last_token = rows.add(scope, "last_token", 32, kVcdX, "link last_token");
    uint64_t emitted = 0;
    for (const chip::ChipTraceLog::SinkTake& s : log.sink) {
      if (!s.emit) continue;
      vcd.change(tokens_out, s.cycle, ++emitted);
      if (last_token != UINT32_MAX) vcd.change(last_token, s.cycle, static_cast<uint32_t>(s.token));
    }
    if (src.adapters) {
      uint64_t max_bytes = 0;
      for (const auto& l : log.lora_used) max_bytes = std::max(max_bytes, l.bytes);
      const uint32_t lora =
          rows.add(scope, "lora_bytes", bits_for(max_bytes), 0, "link lora_bytes");
      for (const auto& l : log.lora_used) vcd.change(lora, l.cycle, l.bytes);
    }
  }

  // Users.
  groups.push_back({"users", {}, {}, true});
  {
    Rows rows(vcd, groups.back());
    for (size_t u = 0; u < src.users.size(); ++u) {
      const host::UserTrace& t = src.users[u];
      const std::string name = fmt::format("u{:02}", u);
      const std::vector<std::string> scope = {"chip", "users", name};
      const uint32_t phase = rows.add(scope, "phase", 2, kVcdX, name + " phase");
      const uint32_t tokens = rows.add(scope, "tokens", 32, 0, name + " tokens");
      uint64_t at = t.arrival_cycle;
      vcd.change(phase, at, t.refused ? 3 : 0);
      if (t.refused) continue;
      at = std::max(at, t.first_input_cycle);
      vcd.change(phase, at, 1);
      for (size_t k = 0; k < t.token_cycles.size(); ++k) {
        at = std::max(at, t.token_cycles[k]);
        if (k == 0) vcd.change(phase, at, 2);
        vcd.change(tokens, at, k + 1);
      }
      vcd.change(phase, std::max(at, t.closed_cycle), 3);
    }
  }

  // KV SRAM: per layer (in the layers' groups) and in total, replayed in cycle order.
  std::vector<uint32_t> kv_layer_var(n_layer, UINT32_MAX);
  groups.push_back({"kv_sram", {}, {}, true});
  uint32_t kv_total = 0;
  {
    Rows rows(vcd, groups.back());
    const std::vector<std::string> scope = {"chip", "kv_sram"};
    kv_total = rows.add(scope, "bytes", kv_bits, 0, "kv bytes");
    const uint32_t cap = rows.add(scope, "capacity", kv_bits, kv_capacity, "kv capacity");
    (void)cap;
  }

  // Layers, then the LM head.
  size_t unit_index = 1;
  bool first_layer = true;
  for (const auto& layer : chip.layers()) {
    const uint32_t l = layer->layer();
    const size_t first = unit_index;
    unit_index += layer->units().size();
    if (l >= src.layers.size() || !src.layers[l]) continue;
    const std::string label = fmt::format("L{:02}", l);
    groups.push_back({label, {}, {}, !first_layer});  // the first traced layer is open
    first_layer = false;
    Rows rows(vcd, groups.back());
    const std::vector<std::string> scope = {"chip", label};
    // At most every unit's slots and every input register full.
    uint64_t most = 0;
    for (const auto& unit : layer->units()) most += unit->capacity() + 1;
    const uint32_t tokens = rows.add(scope, "tokens", bits_for(most), 0, label + " tokens");
    if (multi_user) rows.add(scope, "user", 32, kVcdX, label + " user");
    rows.add(scope, "pos", 32, kVcdX, label + " pos");
    kv_layer_var[l] = rows.add(scope, "kv_bytes", kv_bits, 0, label + " kv_bytes");
    const size_t last = unit_index - 1;
    vcd.add_source(tokens, multi_user ? 3 : 2,
                   layer_row_source(log.units[first], in_of(first),
                                    Cycles::of(log.units[last].completes), tokens, multi_user));
    for (size_t i = first; i <= last; ++i) {
      add_unit_rows(rows, scope, label, *layer->units()[i - first], log.units[i], in_of(i),
                    multi_user, vcd);
    }
  }
  groups.push_back({"lm_head", {}, {}, true});
  {
    Rows rows(vcd, groups.back());
    const std::vector<std::string> scope = {"chip", "lm_head"};
    for (const auto& unit : chip.lm_head().units()) {
      add_unit_rows(rows, scope, "head", *unit, log.units[unit_index], in_of(unit_index),
                    multi_user, vcd);
      ++unit_index;
    }
  }

  // KV occupancy: the writes and closes replayed (kv_replay.hpp).
  {
    std::vector<size_t> per_layer(n_layer, 0);
    for (const chip::ChipTraceLog::KvWrite& w : log.kv_writes) ++per_layer[w.layer];
    const size_t closes = log.kv_closes.size();
    for (uint32_t l = 0; l < n_layer; ++l) {
      if (kv_layer_var[l] != UINT32_MAX)
        vcd.reserve_changes(kv_layer_var[l], per_layer[l] + closes);
    }
    vcd.reserve_changes(kv_total, log.kv_writes.size() + closes);
  }
  replay_kv(
      log, n_layer, kv_row_pair,
      [&](uint64_t cycle, uint32_t layer, uint64_t bytes) {
        if (kv_layer_var[layer] != UINT32_MAX) vcd.change(kv_layer_var[layer], cycle, bytes);
      },
      [&](uint64_t cycle, uint64_t total) { vcd.change(kv_total, cycle, total); }, src.memory);
  return groups;
}

}  // namespace etchsim::sim
