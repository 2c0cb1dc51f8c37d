// GTKWave save files (.gtkw) that open a VCD with its signals arranged in named groups.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace etchsim::trace {

// One named group of traces. A signal is a full hierarchical VCD name ("chip.layer00.busy"); a
// multi-bit vector carries GTKWave's bit range suffix ("chip.layer00.reg_qkv.seq[31:0]", see
// gtkw_signal_name). Range-suffixed signals are shown in decimal, the others as single bits.
struct SignalGroup {
  std::string name;
  std::vector<std::string> signals;
  std::vector<std::string> aliases;  // empty, or one per signal: the row's shown name ("" none)
  bool collapsed = false;            // the group starts closed in GTKWave
};

// Where the view opens: the time at the window's left edge and the time units per pixel
// (GTKWave's zoom is log2 of pixels per unit: -log2(units_per_pixel)), and the window size.
struct GtkwView {
  uint64_t start = 0;
  double units_per_pixel = 1;
  uint32_t width = 1600;
  uint32_t height = 1000;
};

// The name GTKWave gives a VCD variable of `width` bits: `full_name` for one bit, else
// `full_name[width-1:0]` (SystemC declares a uint32_t as `$var wire 32 id seq [31:0] $end`).
std::string gtkw_signal_name(std::string_view full_name, uint32_t width);

// Writes the save file `gtkw` for the dump file `vcd`: [dumpfile] (the path as given), [size],
// [timestart] and the zoom line from `view` (no markers), then per group a group-begin trace
// ("@800200", or "@c00200" when collapsed), the signals with their display flags ("@28" binary
// for single bits, "@24" decimal for vectors), each with its alias ("+{alias} signal") when it
// has one, and a group-end trace ("@1000200" / "@1401200").
// The output depends only on the arguments. Written to a temporary file beside `gtkw` and renamed
// over it. Throws std::invalid_argument for a name or path that cannot be written (empty, a line
// break, a '"' in the path) and std::runtime_error when the file cannot be written.
void write_gtkw(const std::filesystem::path& gtkw, const std::filesystem::path& vcd,
                const std::vector<SignalGroup>& groups, const GtkwView& view = {});

// The save file's text, as write_gtkw writes it.
std::string format_gtkw(const std::filesystem::path& vcd, const std::vector<SignalGroup>& groups,
                        const GtkwView& view = {});

}  // namespace etchsim::trace
