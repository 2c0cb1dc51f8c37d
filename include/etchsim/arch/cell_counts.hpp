// Counting the hard-wired arrays: weight cells, per-block scale cells, product banks, adders and
// transistors. Area and energy (area.hpp, energy.hpp) multiply these counts by per-item costs.
#pragma once

#include <cstdint>

#include "etchsim/arch/chip_config.hpp"
#include "etchsim/arch/weight_cell.hpp"
#include "etchsim/gguf/ggml_type.hpp"

namespace etchsim::arch {

struct MatrixCells {
  uint64_t weight_cells = 0;   // rows x cols x cells_per_weight
  uint64_t scale_cells = 0;    // rows x blocks per row x ceil(scale_bits_per_block / 4)
  uint64_t float_weights = 0;  // weights that need a float multiplier (allowed float types)
  uint64_t total_cells() const { return weight_cells + scale_cells; }
};

// Bits of a block that are not weight codes: scales, mins, sub-block scales (block bytes x 8 -
// elements x code bits; docs/formats.md §2). Q4_0: 16, Q3_K: 112, Q6_K: 144, Q8_0: 16; floats 0.
uint32_t scale_bits_per_block(gguf::GgmlType type, bool allow_float);

// Cells of a rows x cols matrix (cols, the input dimension, a multiple of the block size).
// Throws ConfigError like cell_layout(), or when cols is not a whole number of blocks.
MatrixCells matrix_cells(gguf::GgmlType type, uint64_t rows, uint64_t cols, bool allow_float);

// Transistors of the cells: total cells x transistors_per_cell, plus float_weight_transistors
// for each float weight.
double cell_transistors(const MatrixCells& cells, const WeightCellConfig& config);

// Product banks of one layer: one per activation lane per matvec unit.
uint64_t product_banks_per_layer(const DatapathConfig& datapath);

// Adders of one matvec unit with `rows` outputs: per row, one tree of (lanes - 1) adders per
// cell plane (high/low), one shift-add joining the planes of two-cell weights, and one
// accumulator adder. Product-bank adders are counted separately (kProductBankAdders per bank).
uint64_t matvec_adders(uint64_t rows, uint32_t lanes, uint32_t cells_per_weight);

}  // namespace etchsim::arch
