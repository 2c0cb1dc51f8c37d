#include "etchsim/arch/weight_cell.hpp"

#include <fmt/format.h>

#include "etchsim/arch/config_error.hpp"

namespace etchsim::arch {
namespace {

using gguf::GgmlType;

struct TypeCode {
  GgmlType type;
  uint32_t bits;
  bool is_signed;
  bool is_float;
};

// Code widths from the block layouts (docs/formats.md §2): Q2_K 2-bit; Q3_K
// 2 low bits + 1 hmask bit; Q4_x 4-bit nibbles; Q5_x nibble + 1 high bit; Q6_K nibble + 2 high
// bits; Q8_x int8. Floats by their storage width.
constexpr std::array kCodes{
    TypeCode{GgmlType::Q2_K, 2, false, false}, TypeCode{GgmlType::Q3_K, 3, false, false},
    TypeCode{GgmlType::Q4_0, 4, false, false}, TypeCode{GgmlType::Q4_1, 4, false, false},
    TypeCode{GgmlType::Q4_K, 4, false, false}, TypeCode{GgmlType::Q5_0, 5, false, false},
    TypeCode{GgmlType::Q5_1, 5, false, false}, TypeCode{GgmlType::Q5_K, 5, false, false},
    TypeCode{GgmlType::Q6_K, 6, false, false}, TypeCode{GgmlType::Q8_0, 8, true, false},
    TypeCode{GgmlType::Q8_1, 8, true, false},  TypeCode{GgmlType::Q8_K, 8, true, false},
    TypeCode{GgmlType::F16, 16, true, true},   TypeCode{GgmlType::BF16, 16, true, true},
    TypeCode{GgmlType::F32, 32, true, true},
};

}  // namespace

CellLayout cell_layout(GgmlType type, bool allow_float) {
  for (const auto& row : kCodes) {
    if (row.type != type) continue;
    if (row.is_float && !allow_float) {
      throw ConfigError("", "weight_cells.allow_f16_weights",
                        fmt::format("{} weights are not hard-wirable as 4-bit codes; set "
                                    "weight_cells.allow_f16_weights = true to accept their cost",
                                    gguf::traits(type).name));
    }
    return CellLayout{.code_bits = row.bits,
                      .cells_per_weight = (row.bits + kCellBits - 1) / kCellBits,
                      .signed_code = row.is_signed,
                      .is_float = row.is_float};
  }
  throw ConfigError("", "",
                    fmt::format("weight type {} cannot be hard-wired (no 4-bit cell layout)",
                                gguf::traits(type).name));
}

ProductBank make_product_bank(int8_t activation) {
  ProductBank bank{};
  bank[1] = activation;
  for (uint32_t v = 2; v < kCodesPerCell; ++v) {
    bank[v] = v % 2 == 0 ? bank[v / 2] << 1 : bank[v - 1] + bank[1];
  }
  return bank;
}

int32_t code_value(const CellLayout& layout, uint32_t code) {
  const uint32_t mask = (1u << layout.code_bits) - 1;
  const auto value = static_cast<int32_t>(code & mask);
  const bool negative = layout.signed_code && (code >> (layout.code_bits - 1) & 1u) != 0;
  return negative ? value - static_cast<int32_t>(1u << layout.code_bits) : value;
}

int32_t weight_product(const ProductBank& bank, const CellLayout& layout, uint32_t code) {
  if (layout.is_float) {
    throw ConfigError("", "", "float weights are multiplied, not selected: no cell product");
  }
  if (layout.cells_per_weight == 1) return select_product(bank, code);
  const uint32_t low = code & (kCodesPerCell - 1);
  const uint32_t high = (code >> kCellBits) & (kCodesPerCell - 1);
  int32_t high_product = select_product(bank, high);
  if (layout.signed_code && (high & 8u) != 0) high_product -= bank[1] << kCellBits;
  return (high_product << kCellBits) + select_product(bank, low);
}

}  // namespace etchsim::arch
