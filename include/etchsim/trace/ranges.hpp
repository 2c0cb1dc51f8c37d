// Parsing the trace selection options: --trace-layers and --trace-window.
#pragma once

#include <cstdint>
#include <limits>
#include <string_view>
#include <utility>
#include <vector>

namespace etchsim::trace {

struct LayerSelection {
  std::vector<bool> mask;        // n_layer entries, true for a traced layer
  std::vector<uint32_t> layers;  // the traced layers, ascending, without repeats

  bool contains(uint32_t layer) const { return layer < mask.size() && mask[layer]; }
};

// "--trace-layers": comma-separated items, each a layer "5" or an inclusive range "0-3"
// ("0-3,8"); items may overlap. Every layer must be < n_layer. Throws std::invalid_argument
// naming the option and the bad item (empty item, not a number, start > end, out of range).
LayerSelection parse_trace_layers(std::string_view spec, uint32_t n_layer);

// The open end of a trace window.
inline constexpr uint64_t kTraceWindowOpen = std::numeric_limits<uint64_t>::max();

// "--trace-window FROM:TO": cycles [FROM, TO). An empty FROM means 0 and an empty TO means
// kTraceWindowOpen (":5000", "100:", ":"). Throws std::invalid_argument naming the option when
// the colon is missing or repeated, a side is not a decimal number, or FROM >= TO.
std::pair<uint64_t, uint64_t> parse_trace_window(std::string_view spec);

}  // namespace etchsim::trace
