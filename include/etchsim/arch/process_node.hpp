// Process-node factors for the energy and area models (docs/energy-area.md gives the sources).
// Energy constants in the configuration are given at the reference node (N7) and multiplied by
// the node's energy factor; die area uses the node's peak logic density and SRAM bit-cell area.
#pragma once

#include <string_view>

namespace etchsim::arch {

inline constexpr std::string_view kReferenceNode = "N7";

struct ProcessNode {
  std::string_view name;
  double energy_factor;      // switching energy relative to N7 at the same frequency
  double logic_mtr_per_mm2;  // peak logic density, million transistors per mm^2
  double sram_bitcell_um2;   // high-density 6T SRAM bit cell
};

// The factors of `node` (one of process.node's choices). Throws ConfigError naming
// process.node for an unknown node.
const ProcessNode& process_node(std::string_view node);

}  // namespace etchsim::arch
