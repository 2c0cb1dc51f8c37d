#include "etchsim/arch/cell_counts.hpp"

#include <fmt/format.h>

#include "etchsim/arch/config_error.hpp"

namespace etchsim::arch {

uint32_t scale_bits_per_block(gguf::GgmlType type, bool allow_float) {
  const CellLayout layout = cell_layout(type, allow_float);
  if (layout.is_float) return 0;
  const auto& t = gguf::traits(type);
  const auto bits = t.block_bytes * 8 - t.block_elems * layout.code_bits;
  return static_cast<uint32_t>(bits);
}

MatrixCells matrix_cells(gguf::GgmlType type, uint64_t rows, uint64_t cols, bool allow_float) {
  const CellLayout layout = cell_layout(type, allow_float);
  const auto block = static_cast<uint64_t>(gguf::traits(type).block_elems);
  if (cols % block != 0) {
    throw ConfigError("", "",
                      fmt::format("{} columns are not a whole number of {}-element {} blocks", cols,
                                  block, gguf::traits(type).name));
  }
  MatrixCells cells;
  cells.weight_cells = rows * cols * layout.cells_per_weight;
  const uint64_t scale_cells_per_block =
      (scale_bits_per_block(type, allow_float) + kCellBits - 1) / kCellBits;
  cells.scale_cells = rows * (cols / block) * scale_cells_per_block;
  cells.float_weights = layout.is_float ? rows * cols : 0;
  return cells;
}

double cell_transistors(const MatrixCells& cells, const WeightCellConfig& config) {
  return static_cast<double>(cells.total_cells()) * config.transistors_per_cell +
         static_cast<double>(cells.float_weights) * config.float_weight_transistors;
}

uint64_t product_banks_per_layer(const DatapathConfig& datapath) {
  return uint64_t{datapath.matvec_units} * datapath.activation_lanes;
}

uint64_t matvec_adders(uint64_t rows, uint32_t lanes, uint32_t cells_per_weight) {
  const uint64_t tree = uint64_t{cells_per_weight} * (lanes - 1);
  const uint64_t join = cells_per_weight - 1;
  return rows * (tree + join + 1);
}

}  // namespace etchsim::arch
