// The matvec units `etchsim rtl` generates for one layer (or the LM head), their specs from a
// model's weights, and golden's activations and results for them (the RTL check's stimulus).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "etchsim/arch/chip_config.hpp"
#include "etchsim/arch/unit_registry.hpp"
#include "etchsim/golden/layer_datapath.hpp"
#include "etchsim/model/llama_model.hpp"
#include "etchsim/numerics/activation.hpp"
#include "etchsim/rtl/matvec_rtl.hpp"

namespace etchsim::rtl {

// The units the matvec generator covers are the unit registry's (arch/unit_registry.hpp) with
// rtl == RtlKind::Matvec: qkv, attn_output, gate_up, down and the LM head's output. A unit is
// named by its registry entry.
using MatvecUnit = const arch::UnitInfo*;

// The registry's matvec unit of that name ("qkv", ..., "output"), or nullptr.
MatvecUnit find_matvec_unit(std::string_view name);
// The LM head's output unit.
MatvecUnit lm_head_unit();
// "qkv,down" (layer units, comma-separated) plus the LM head's when `lm_head`. Throws
// std::invalid_argument naming an unknown unit, or when nothing is selected.
std::vector<MatvecUnit> parse_matvec_units(std::string_view list, bool lm_head);

// The model's tensor of a matrix role in layer `layer` ("attn_q", ...; Output: the LM head).
const model::TensorView& role_tensor(const model::LlamaModel& model, size_t layer,
                                     arch::MatrixRole role);
std::string_view role_tensor_name(arch::MatrixRole role);

// Rows [begin, end) kept of each matrix; a matrix with fewer rows keeps rows [begin, its rows).
struct RowRange {
  int64_t begin = 0;
  int64_t end = 0;
};
// "A-B" (inclusive, as printed), e.g. "0-7". Throws std::invalid_argument naming the text.
RowRange parse_row_range(std::string_view text);

// Weights one generated unit may hold: a whole 8B layer (218 M) is far beyond a Verilator build.
inline constexpr uint64_t kMaxUnitWeights = uint64_t{1} << 21;

// The unit's spec: its matrices (the registry's roles) in layer `layer` (ignored for the LM
// head), sliced by `rows`. Throws
// std::invalid_argument for a layer outside the model, a slice outside every matrix, or more
// than kMaxUnitWeights weights (with the --rows advice).
MatvecUnitSpec matvec_unit_spec(const model::LlamaModel& model, size_t layer, MatvecUnit unit,
                                const std::optional<RowRange>& rows,
                                const arch::DatapathConfig& datapath, numerics::CpuProfile profile);

// The prepared input a matvec unit's step reads in a token's state.
const golden::PreparedInput& unit_input(const golden::TokenState& state,
                                        const arch::UnitInfo& unit);

// Golden's view of one unit over a token sequence: per token its prepared input and the unit's
// outputs for the spec's rows, in the spec's row order.
struct UnitStimulus {
  std::vector<numerics::Activation> inputs;
  std::vector<std::vector<float>> outputs;
};
// Runs golden's datapath over `tokens` (positions 0, 1, ...) through layer `layer` (through the
// LM head when a unit is the LM head's) and captures each spec's unit. specs[i] <-> units[i].
std::vector<UnitStimulus> golden_stimulus(const golden::LayerDatapath& datapath, size_t layer,
                                          std::span<const int32_t> tokens,
                                          std::span<const MatvecUnit> units,
                                          std::span<const MatvecUnitSpec> specs);

// Writes the testbench's stimulus file (testbench.hpp) for one unit.
void write_stimulus(const std::string& path, const MatvecUnitSpec& spec,
                    const MatvecGeometry& geometry, const UnitStimulus& stimulus);

}  // namespace etchsim::rtl
