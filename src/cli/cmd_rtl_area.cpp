// etchsim rtl-area MODEL.gguf --layer N [--units LIST] [--lm-head] [--rows A-B] [--config FILE]
// [--set k=v]: what arch/'s area model assigns to the matvec units `etchsim rtl` generates for
// the same options, as JSON on stdout: per unit its rows (the same slice: rtl::matvec_unit_spec),
// the unit registry's cost builder evaluated for those rows (arch::matvec_unit_cost: cells, product
// banks, adder bits, register bits) and transistors by block as arch::chip_area prices them.
// scripts/rtl-synth.sh puts these next to Yosys's counts of the generated Verilog.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "etchsim/arch/area.hpp"
#include "etchsim/arch/cell_counts.hpp"
#include "etchsim/arch/unit_registry.hpp"
#include "etchsim/arch/weight_cell.hpp"
#include "etchsim/cli/commands.hpp"
#include "etchsim/gguf/ggml_type.hpp"
#include "etchsim/gguf/reader.hpp"
#include "etchsim/model/llama_model.hpp"
#include "etchsim/rtl/layer_units.hpp"
#include "etchsim/sim/run.hpp"
#include "flagship.hpp"
#include "rtl_options.hpp"

namespace etchsim::cli {
namespace {

using RtlAreaArgs = RtlUnitOptions;

int run_rtl_area(const RtlAreaArgs& args) {
  const gguf::GgufFile file = gguf::GgufFile::open(args.model);
  const model::LlamaModel model(file);
  const arch::ChipConfig config = resolve_chip_config(args.config, args.sets);
  if (args.layer < 0 || static_cast<size_t>(args.layer) >= model.layers().size()) {
    throw std::invalid_argument(fmt::format("--layer {} is outside the model (0-{})", args.layer,
                                            model.layers().size() - 1));
  }
  std::optional<rtl::RowRange> rows;
  if (args.rows) rows = rtl::parse_row_range(*args.rows);
  const arch::WeightTypes types =
      sim::model_weight_types(model).layer(static_cast<uint32_t>(args.layer));
  const arch::UnitContext ctx{config, model.shape(), types, 1,
                              config.weight_cells.allow_f16_weights};
  const arch::AreaConfig& a = config.area;
  const arch::DatapathConfig& dp = config.datapath;
  const double fa = a.full_adder_transistors;

  nlohmann::json units = nlohmann::json::array();
  for (const rtl::MatvecUnit unit : rtl::parse_matvec_units(args.units, args.lm_head)) {
    const rtl::MatvecUnitSpec spec = rtl::matvec_unit_spec(
        model, static_cast<size_t>(args.layer), unit, rows, dp, numerics::kDefaultCpuProfile);
    const arch::UnitInfo& info = *unit;
    // The whole unit as the registry costs it, for its product banks per lane (fused units).
    const arch::UnitCost whole = info.cost(ctx);
    const auto banks_per_lane = static_cast<uint32_t>(whole.product_banks / dp.activation_lanes);
    // The same builder over the slice's rows.
    std::vector<arch::UnitMatrix> matrices;
    nlohmann::json mats = nlohmann::json::array();
    uint64_t slice_rows = 0, weight_cells = 0, scale_cells = 0;
    const auto cols = static_cast<uint64_t>(spec.matrices.front().weights.cols);
    for (const rtl::MatrixSlice& m : spec.matrices) {
      const auto r = static_cast<uint64_t>(m.rows());
      matrices.push_back({m.weights.type, r});
      const arch::MatrixCells cells = arch::matrix_cells(m.weights.type, r, cols, ctx.allow_float);
      weight_cells += cells.weight_cells;
      scale_cells += cells.scale_cells;
      slice_rows += r;
      mats.push_back(
          {{"name", m.name},
           {"type", gguf::traits(m.weights.type).name},
           {"rows", r},
           {"first_row", m.row_begin},
           {"cells_per_weight",
            arch::cell_layout(m.weights.type, ctx.allow_float).cells_per_weight},
           {"scale_bits_per_block", arch::scale_bits_per_block(m.weights.type, ctx.allow_float)}});
    }
    const arch::UnitCost u =
        arch::matvec_unit_cost(info.name, config, cols, matrices, banks_per_lane);
    const uint64_t output_register_bits = slice_rows * arch::kRegisterElementBits;
    const double t_cells =
        static_cast<double>(u.cells) * config.weight_cells.transistors_per_cell +
        static_cast<double>(u.float_weights) * config.weight_cells.float_weight_transistors;
    const double t_banks = static_cast<double>(u.product_banks) * a.product_bank_transistors;
    const double t_adders = static_cast<double>(u.adder_bits) * fa;
    const double t_registers = static_cast<double>(u.register_bits) * a.register_bit_transistors;
    const double datapath = t_banks + t_adders + t_registers;
    const double t_control = a.control_overhead * datapath;
    // The bit-exact llama.cpp-order datapath, not in the total (arch::AreaBreakdown::bit_exact).
    const double bit_exact_fp32 = arch::bit_exact_fp32_transistors(u, a);
    const double bit_exact_adders = arch::bit_exact_adder_transistors(u, a);
    units.push_back({{"name", unit->name},
                     {"module", spec.module},
                     {"rows", slice_rows},
                     {"cols", cols},
                     {"weights", slice_rows * cols},
                     {"matrices", mats},
                     {"cells", u.cells},
                     {"weight_cells", weight_cells},
                     {"scale_cells", scale_cells},
                     {"product_banks", u.product_banks},
                     {"product_bank_adder_bits",
                      u.product_banks * arch::kProductBankAdders * arch::kProductBits},
                     {"adder_bits", u.adder_bits},
                     {"register_bits", u.register_bits},
                     {"output_register_bits", output_register_bits},
                     {"transistors",
                      {{"weight_cells", t_cells},
                       {"product_banks", t_banks},
                       {"adders", t_adders},
                       {"registers", t_registers},
                       {"integer", t_cells + t_banks + t_adders + t_registers},
                       // The chip's blocks have no per-row fp32 stage (the token-exact chip);
                       // the bit-exact datapath term prices it beside them (bit_exact).
                       {"fp32", 0.0},
                       {"control", t_control},
                       {"total", t_cells + datapath + t_control},
                       {"bit_exact_fp32", bit_exact_fp32},
                       {"bit_exact_adders", bit_exact_adders}}}});
  }
  const nlohmann::json report{{"model", args.model},
                              {"layer", args.layer},
                              {"rows", args.rows ? *args.rows : std::string("all")},
                              {"config",
                               {{"activation_lanes", dp.activation_lanes},
                                {"adder_levels_per_stage", dp.adder_levels_per_stage},
                                {"accumulator_bits", dp.accumulator_bits},
                                {"transistors_per_cell", config.weight_cells.transistors_per_cell},
                                {"full_adder_transistors", fa},
                                {"product_bank_transistors", a.product_bank_transistors},
                                {"register_bit_transistors", a.register_bit_transistors},
                                {"control_overhead", a.control_overhead}}},
                              {"units", units}};
  std::printf("%s\n", report.dump(2).c_str());
  return 0;
}

}  // namespace

CommandRunner register_rtl_area(CLI::App& app) {
  auto args = std::make_shared<RtlAreaArgs>();
  add_rtl_unit_options(app, *args);
  return [args] { return run_rtl_area(*args); };
}

}  // namespace etchsim::cli
