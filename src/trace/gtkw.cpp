// GTKWave save files (gtkw.hpp).
//
// A .gtkw file is a list of "[key] value" lines, a "*zoom marker named-markers..." line, and the
// traces in display order. "@<hex>" sets the trace flags (GTKWave's TR_* bits) for the lines that
// follow; "-text" is a comment trace, which with the group bits set begins or ends a group.
#include "etchsim/trace/gtkw.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

#include "etchsim/io/output_path.hpp"

namespace etchsim::trace {
namespace {

// GTKWave trace flag bits (TR_*_B in its analyzer.h).
constexpr uint32_t kDec = 1u << 2;
constexpr uint32_t kBin = 1u << 3;
constexpr uint32_t kRightJustify = 1u << 5;
constexpr uint32_t kBlank = 1u << 9;
constexpr uint32_t kCollapsed = 1u << 12;
constexpr uint32_t kClosed = 1u << 22;
constexpr uint32_t kGroupBegin = 1u << 23;
constexpr uint32_t kGroupEnd = 1u << 24;

constexpr uint32_t kBitFlags = kRightJustify | kBin;     // @28
constexpr uint32_t kVectorFlags = kRightJustify | kDec;  // @24

// GTKWave's named markers A..Z; -1 is "not set".
constexpr int kNamedMarkers = 26;

void check_line(std::string_view what, std::string_view text) {
  if (text.empty()) throw std::invalid_argument(fmt::format("gtkw: empty {}", what));
  if (text.find_first_of("\r\n") != std::string_view::npos) {
    throw std::invalid_argument(fmt::format("gtkw: line break in {} '{}'", what, text));
  }
}

// "name[msb:lsb]" with msb != lsb.
bool is_vector(std::string_view signal) {
  if (signal.empty() || signal.back() != ']') return false;
  const size_t open = signal.rfind('[');
  if (open == std::string_view::npos) return false;
  const std::string_view range = signal.substr(open + 1, signal.size() - open - 2);
  const size_t colon = range.find(':');
  if (colon == std::string_view::npos) return false;
  return range.substr(0, colon) != range.substr(colon + 1);
}

}  // namespace

std::string gtkw_signal_name(std::string_view full_name, uint32_t width) {
  if (width <= 1) return std::string(full_name);
  return fmt::format("{}[{}:0]", full_name, width - 1);
}

std::string format_gtkw(const std::filesystem::path& vcd, const std::vector<SignalGroup>& groups,
                        const GtkwView& view) {
  const std::string dumpfile = vcd.string();
  check_line("dump file path", dumpfile);
  if (dumpfile.find('"') != std::string::npos) {
    throw std::invalid_argument(fmt::format("gtkw: '\"' in dump file path '{}'", dumpfile));
  }

  std::string out;
  out += "[*] etchsim trace view\n";
  out += fmt::format("[dumpfile] \"{}\"\n", dumpfile);
  if (!(view.units_per_pixel > 0) || view.width == 0 || view.height == 0) {
    throw std::invalid_argument("gtkw: bad view");
  }
  out += fmt::format("[size] {} {}\n", view.width, view.height);
  out += fmt::format("[timestart] {}\n", view.start);
  // The zoom, no primary marker, no named markers.
  out += fmt::format("*{:.6f} -1", 0.0 - std::log2(view.units_per_pixel));
  for (int i = 0; i < kNamedMarkers; ++i) out += " -1";
  out += '\n';

  uint32_t flags = 0;  // the flags in effect; 0 = none written yet
  const auto set_flags = [&](uint32_t want) {
    if (want == flags) return;
    out += fmt::format("@{:x}\n", want);
    flags = want;
  };
  for (const SignalGroup& group : groups) {
    check_line("group name", group.name);
    const uint32_t closed = group.collapsed ? kClosed : 0u;
    set_flags(kGroupBegin | kBlank | closed);
    out += fmt::format("-{}\n", group.name);
    if (!group.aliases.empty() && group.aliases.size() != group.signals.size()) {
      throw std::invalid_argument(fmt::format("gtkw: group {}: one alias per signal", group.name));
    }
    for (size_t i = 0; i < group.signals.size(); ++i) {
      const std::string& signal = group.signals[i];
      check_line("signal name", signal);
      set_flags(is_vector(signal) ? kVectorFlags : kBitFlags);
      if (!group.aliases.empty() && !group.aliases[i].empty()) {
        const std::string& alias = group.aliases[i];
        check_line("alias", alias);
        if (alias.find_first_of("{}") != std::string::npos) {
          throw std::invalid_argument(fmt::format("gtkw: brace in alias '{}'", alias));
        }
        out += fmt::format("+{{{}}} ", alias);
      }
      out += signal;
      out += '\n';
    }
    set_flags(kGroupEnd | kBlank | (group.collapsed ? kClosed | kCollapsed : 0u));
    out += fmt::format("-{}\n", group.name);
  }
  return out;
}

void write_gtkw(const std::filesystem::path& gtkw, const std::filesystem::path& vcd,
                const std::vector<SignalGroup>& groups, const GtkwView& view) {
  io::write_file_atomically(gtkw, format_gtkw(vcd, groups, view));
}

}  // namespace etchsim::trace
