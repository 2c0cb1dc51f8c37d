// A unit whose cycles come from somewhere other than its arch/ formula: RTL in the loop
// (sim/ connects a Verilated unit here). The chip asks it once per token the unit takes, before
// the unit's arithmetic runs, with the token's datapath state in functional runs.
#pragma once

#include <cstdint>
#include <vector>

#include "etchsim/arch/timing.hpp"
#include "etchsim/chip/pipeline_register.hpp"
#include "etchsim/golden/layer_datapath.hpp"

namespace etchsim::chip {

class UnitTimingSource {
 public:
  virtual ~UnitTimingSource() = default;
  // The cycles of this token (state: nullptr in timing-only runs).
  virtual arch::UnitTiming timing(const TokenTag& tag, const golden::TokenState* state) = 0;
  // The cycles the unit is sized for (its pipeline depth); the smallest latency it gives.
  virtual arch::UnitTiming nominal() const = 0;
};

// Unit `unit` of layer `layer` takes its cycles from `source` (which outlives the chip).
struct UnitTimingOverride {
  uint32_t layer = 0;
  golden::LayerUnit unit = golden::LayerUnit::Qkv;
  UnitTimingSource* source = nullptr;
};

}  // namespace etchsim::chip
