// The 4-bit weight cell (docs/design.md "The 4-bit cell"). A cell stores one hard-wired 4-bit code.
// Each activation lane has a product bank that forms activation x v for every v in 0..15 once
// per cycle; every cell on the lane selects the product its code names onto its row's adder
// tree ("multiply-select-add", from Taalas' patents as read by third-party analyses,
// docs/anchors.md §2). Codes wider than 4 bits use two cells, high and low nibble, joined
// by a shift-add. Float weights (F16, BF16, F32) are not codes: they cannot be hard-wired as
// selects and are refused unless weight_cells.allow_f16_weights opts in to the cost.
//
// Per-block offsets and minimums (Q4_0's -8, Q3_K's -4, Q6_K's -32, the K-quant mins) are not in
// the cell product: the block applies them once from the sum of its activations, as ggml's CPU
// dot products do (docs/formats.md).
#pragma once

#include <array>
#include <cstdint>

#include "etchsim/gguf/ggml_type.hpp"

namespace etchsim::arch {

inline constexpr uint32_t kCellBits = 4;
inline constexpr uint32_t kCodesPerCell = 1u << kCellBits;
// Adders of one product bank: the odd multiples 3a, 5a, ..., 15a take one adder each; even
// multiples are wiring shifts of a smaller multiple (see make_product_bank).
inline constexpr uint32_t kProductBankAdders = 7;

struct CellLayout {
  uint32_t code_bits = 0;         // bits of one weight's code (float types: storage bits)
  uint32_t cells_per_weight = 0;  // ceil(code_bits / 4), at least 1
  bool signed_code = false;       // two's complement code (Q8_0, Q8_1, Q8_K)
  bool is_float = false;          // F16 / BF16 / F32: stored, not selectable
};

// The layout of a weight type. Throws ConfigError naming weight_cells.allow_f16_weights for a
// float type when allow_float is false, and naming the type for types etchsim cannot hard-wire
// (IQ*, TQ*, MXFP4, integers).
CellLayout cell_layout(gguf::GgmlType type, bool allow_float);

// activation x v for v = 0..15, the products one lane broadcasts to its cells.
using ProductBank = std::array<int32_t, kCodesPerCell>;

// Builds the bank with shifts and the kProductBankAdders adds only: p[2k] = p[k] << 1,
// p[2k+1] = p[2k] + a. Bit-exact with activation * v.
ProductBank make_product_bank(int8_t activation);

// What one cell puts on its adder tree: the bank entry its 4-bit code selects.
inline int32_t select_product(const ProductBank& bank, uint32_t code4) {
  return bank[code4 & (kCodesPerCell - 1)];
}

// The integer value a code stands for: the code itself, or its two's complement reading.
int32_t code_value(const CellLayout& layout, uint32_t code);

// activation x code_value(code) as the cells form it: one select, or for two-cell weights
// (select(high) << 4) + select(low), where a signed high nibble h >= 8 reads as h - 16 (the bank
// entry minus activation << 4, the sign correction of the high cell).
int32_t weight_product(const ProductBank& bank, const CellLayout& layout, uint32_t code);

}  // namespace etchsim::arch
