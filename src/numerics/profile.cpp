// Names and widths of the emulated llama.cpp CPU builds (profile.hpp).
#include "etchsim/numerics/profile.hpp"

namespace etchsim::numerics {

std::string_view cpu_profile_name(CpuProfile profile) {
  return profile == CpuProfile::Zen4 ? "zen4" : "haswell";
}

std::optional<CpuProfile> parse_cpu_profile(std::string_view name) {
  if (name == "haswell") return CpuProfile::Haswell;
  if (name == "zen4") return CpuProfile::Zen4;
  return std::nullopt;
}

int simd_lanes(CpuProfile profile) { return profile == CpuProfile::Zen4 ? 16 : 8; }

}  // namespace etchsim::numerics
