#include "etchsim/arch/process_node.hpp"

#include <fmt/format.h>

#include <array>
#include <string>

#include "etchsim/arch/config_error.hpp"

namespace etchsim::arch {
namespace {

// Energy: TSMC's iso-speed power claims chained from N7 (N7 vs N16 -60%, N12 ~ -20% vs N16, N6
// same as N7, N5 vs N7 -30%, N4 ~ -5% vs N5, N3 vs N5 -25 to -30%). Logic density: WikiChip's
// peak estimates (N16 28.9, N7 91.2, N6 114.2, N5 171.3 MTr/mm^2), N12 +10% over N16, N4 +6%
// over N5, N3 1.6x N5 (TSMC's N3E claim). SRAM HD bit cell: TSMC IEDM/ISSCC disclosures (16FF+
// 0.074, N7 0.027, N5 0.021, N3E 0.021 um^2); N12 as N16, N6 as N7, N4 as N5.
constexpr std::array kNodes{
    ProcessNode{"N16", 2.5, 28.9, 0.074}, ProcessNode{"N12", 2.0, 31.8, 0.074},
    ProcessNode{"N7", 1.0, 91.2, 0.027},  ProcessNode{"N6", 1.0, 114.2, 0.027},
    ProcessNode{"N5", 0.7, 171.3, 0.021}, ProcessNode{"N4", 0.665, 181.6, 0.021},
    ProcessNode{"N3", 0.5, 274.1, 0.021},
};

}  // namespace

const ProcessNode& process_node(std::string_view node) {
  for (const auto& n : kNodes) {
    if (n.name == node) return n;
  }
  throw ConfigError("", "process.node", fmt::format("no energy/area factors for node '{}'", node));
}

}  // namespace etchsim::arch
