// --trace-layers and --trace-window (ranges.hpp).
#include "etchsim/trace/ranges.hpp"

#include <fmt/format.h>

#include <charconv>
#include <stdexcept>
#include <string>

namespace etchsim::trace {
namespace {

template <typename T>
bool parse_uint(std::string_view text, T& value) {
  if (text.empty() || text.front() < '0' || text.front() > '9') return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

LayerSelection parse_trace_layers(std::string_view spec, uint32_t n_layer) {
  const auto bad = [&](std::string_view item, std::string_view why) {
    return std::invalid_argument(
        fmt::format("--trace-layers '{}': bad item '{}': {}", spec, item, why));
  };
  if (spec.empty()) throw std::invalid_argument("--trace-layers: empty layer list");
  LayerSelection sel;
  sel.mask.assign(n_layer, false);
  std::string_view rest = spec;
  while (true) {
    const size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    if (item.empty()) throw bad(item, "empty item");
    const size_t dash = item.find('-');
    uint32_t first = 0, last = 0;
    if (dash == std::string_view::npos) {
      if (!parse_uint(item, first)) throw bad(item, "not a layer number");
      last = first;
    } else {
      if (!parse_uint(item.substr(0, dash), first) || !parse_uint(item.substr(dash + 1), last)) {
        throw bad(item, "not a layer range FIRST-LAST");
      }
      if (first > last) throw bad(item, "range start exceeds its end");
    }
    if (last >= n_layer) {
      throw bad(item,
                fmt::format("layer {} out of range (the model has {} layers)", last, n_layer));
    }
    for (uint32_t l = first; l <= last; ++l) sel.mask[l] = true;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  for (uint32_t l = 0; l < n_layer; ++l) {
    if (sel.mask[l]) sel.layers.push_back(l);
  }
  return sel;
}

std::pair<uint64_t, uint64_t> parse_trace_window(std::string_view spec) {
  const size_t colon = spec.find(':');
  if (colon == std::string_view::npos || spec.find(':', colon + 1) != std::string_view::npos) {
    throw std::invalid_argument(
        fmt::format("--trace-window '{}': expected FROM:TO (either side may be empty)", spec));
  }
  const std::string_view from_s = spec.substr(0, colon), to_s = spec.substr(colon + 1);
  uint64_t from = 0, to = kTraceWindowOpen;
  if (!from_s.empty() && !parse_uint(from_s, from)) {
    throw std::invalid_argument(
        fmt::format("--trace-window '{}': FROM '{}' is not a cycle number", spec, from_s));
  }
  if (!to_s.empty() && !parse_uint(to_s, to)) {
    throw std::invalid_argument(
        fmt::format("--trace-window '{}': TO '{}' is not a cycle number", spec, to_s));
  }
  if (from >= to) {
    throw std::invalid_argument(
        fmt::format("--trace-window '{}': FROM must be below TO (TO is exclusive)", spec));
  }
  return {from, to};
}

}  // namespace etchsim::trace
