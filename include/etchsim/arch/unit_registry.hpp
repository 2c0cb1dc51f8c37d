// The unit registry: one table of the chip's units (the 15 of a layer, then the 4 of the LM
// head, in the order a token passes them), keyed by golden's datapath steps (golden::LayerUnit,
// golden::HeadUnit). Each entry carries everything the other parts used to list by hand: the
// unit's name, its kind, its timing (arch/timing.hpp's formula with the unit's sizes), its area /
// energy cost builder (area.hpp), the matrices it multiplies, its LoRA roles and the RTL generator
// that covers it. layer_timing / lm_head_timing, layer_unit_costs / lm_head_unit_costs, the
// energy model and chip/'s stages all iterate it: a unit is added or renamed here (and in golden/,
// which defines its arithmetic) only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <variant>

#include "etchsim/arch/area.hpp"
#include "etchsim/arch/chip_config.hpp"
#include "etchsim/arch/pipeline_timing.hpp"
#include "etchsim/arch/timing.hpp"
#include "etchsim/gguf/ggml_type.hpp"
#include "etchsim/golden/layer_datapath.hpp"
#include "etchsim/model/llama_shape.hpp"
#include "etchsim/model/lora_adapter.hpp"

namespace etchsim::arch {

// What a unit is, as hardware.
enum class UnitKind { Norm, Quantize, Matvec, Rope, Attention, Residual, SiluMul, Argmax };
// "norm", "quantize", "matvec", "rope", "attention", "residual", "silu_mul", "argmax".
std::string_view unit_kind_name(UnitKind kind);

// Which RTL generator (src/rtl/) covers a unit: none (its timing is a formula nothing checks yet:
// the vector units), the hard-wired matvec generator, or the attention unit's KV SRAM schedule
// (cycles only: banks, ports, striping and the passes' delay stages; no values).
enum class RtlKind { None, Matvec, KvSchedule };

// A weight matrix of the model, one per field of WeightTypes.
enum class MatrixRole { Q, K, V, O, Gate, Up, Down, Output };
gguf::GgmlType weight_type(const WeightTypes& types, MatrixRole role);
// Rows of the matrix (its columns are the unit's inputs).
uint64_t matrix_rows(const model::LlamaShape& shape, MatrixRole role);
// The matrix of a per-layer LoRA role (the seven per-layer matrices).
MatrixRole matrix_role(model::LoraRole role);

// What a unit's timing and cost depend on. n_pos: positions the attention unit attends over (the
// token at n_pos - 1); allow_float: float weights get a float multiplier (timing's cell layout).
struct UnitContext {
  const ChipConfig& config;
  const model::LlamaShape& shape;
  const WeightTypes& types;
  uint64_t n_pos = 1;
  bool allow_float = false;
};

// The datapath step a unit runs: one of a layer's or one of the LM head's.
using DatapathStep = std::variant<golden::LayerUnit, golden::HeadUnit>;

struct UnitInfo {
  using TimingFn = UnitTiming (*)(const UnitContext&, const UnitInfo&);
  using CostFn = UnitCost (*)(const UnitContext&, const UnitInfo&);

  DatapathStep step;      // the golden::LayerUnit / HeadUnit it runs
  std::string_view name;  // golden::layer_unit_name / head_unit_name of step
  UnitKind kind = UnitKind::Norm;
  TimingFn timing_fn = nullptr;  // arch/timing.hpp's formula for the unit
  CostFn cost_fn = nullptr;      // area.hpp's builder for the unit
  // The matrices it multiplies, in the order it computes them (matvec units; empty otherwise).
  std::span<const MatrixRole> matrices;
  // The matrices its LoRA path adapts (golden::layer_unit_roles; empty: no LoRA path).
  std::span<const model::LoraRole> lora_roles;
  RtlKind rtl = RtlKind::None;

  UnitTiming timing(const UnitContext& c) const { return timing_fn(c, *this); }
  UnitCost cost(const UnitContext& c) const { return cost_fn(c, *this); }
  bool in_layer() const { return std::holds_alternative<golden::LayerUnit>(step); }
  golden::LayerUnit layer_unit() const { return std::get<golden::LayerUnit>(step); }
  golden::HeadUnit head_unit() const { return std::get<golden::HeadUnit>(step); }
};

// Every unit, in the order a token passes them: a layer's units (every layer the same), then the
// LM head's.
std::span<const UnitInfo> units();
// The layer's units (golden::kLayerUnitCount, in golden::LayerUnit order).
std::span<const UnitInfo> layer_units();
// The LM head's units (golden::kHeadUnitCount, in golden::HeadUnit order).
std::span<const UnitInfo> head_units();

// The index of a unit in layer_units() / head_units(); std::logic_error for a value the registry
// does not know.
size_t unit_index(golden::LayerUnit unit);
size_t unit_index(golden::HeadUnit unit);
const UnitInfo& unit_info(golden::LayerUnit unit);
const UnitInfo& unit_info(golden::HeadUnit unit);

}  // namespace etchsim::arch
