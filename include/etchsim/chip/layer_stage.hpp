// One transformer layer, a fixed-weight pipeline stage (docs/design.md "timing contract"): the unit
// registry's layer units (arch::layer_units(), the order arch::layer_timing lists them), each a
// PipelineUnit with its timing (the attention unit's grows with the position), chained through
// pipeline registers. In functional
// runs each unit computes its part of golden::LayerDatapath when it takes a token.
#pragma once

#include <array>
#include <memory>
#include <systemc>

#include "etchsim/chip/chip_context.hpp"
#include "etchsim/chip/pipeline_unit.hpp"
#include "etchsim/golden/layer_datapath.hpp"

namespace etchsim::chip {

class LayerStage : public sc_core::sc_module {
 public:
  // Adds its units to ctx.pipeline as stage `stage`.
  LayerStage(sc_core::sc_module_name name, uint32_t layer, uint32_t stage, ChipContext& ctx);

  uint32_t layer() const { return m_layer; }
  const std::vector<std::unique_ptr<PipelineUnit>>& units() const { return m_units; }

 private:
  uint32_t m_layer;
  std::vector<std::unique_ptr<PipelineUnit>> m_units;
};

}  // namespace etchsim::chip
