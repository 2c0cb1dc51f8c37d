// RTL in the loop for a run: the Verilated units of RunOptions::rtl_units, connected to the
// chip as unit timing sources (chip/unit_timing_source.hpp).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "etchsim/chip/unit_timing_source.hpp"
#include "etchsim/model/llama_model.hpp"
#include "etchsim/rtl/layer_units.hpp"
#include "etchsim/rtl/loop_unit.hpp"
#include "etchsim/sim/run.hpp"

namespace etchsim::sim {

class RtlLoop {
 public:
  // Parses the unit names ("layerN.unit": a matvec unit of the registry), generates and builds
  // each unit. Throws std::invalid_argument naming a bad name or row slice.
  RtlLoop(const RunOptions& options, const model::LlamaModel& model);
  ~RtlLoop();
  const std::vector<chip::UnitTimingOverride>& overrides() const { return m_overrides; }
  std::vector<RtlUnitResult> results() const;

 private:
  class Source;
  std::string m_dir;
  bool m_remove_dir = false;
  std::vector<std::string> m_names;
  std::vector<std::unique_ptr<rtl::LoopUnit>> m_units;
  std::vector<std::unique_ptr<Source>> m_sources;
  std::vector<chip::UnitTimingOverride> m_overrides;
};

}  // namespace etchsim::sim
