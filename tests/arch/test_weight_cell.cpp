#include <gtest/gtest.h>

#include "etchsim/arch/cell_counts.hpp"
#include "etchsim/arch/config_error.hpp"
#include "etchsim/arch/weight_cell.hpp"

namespace etchsim::arch {
namespace {

using gguf::GgmlType;

TEST(WeightCell, SelectEqualsActivationTimesCodeForEveryCodeAndActivation) {
  for (int a = -128; a <= 127; ++a) {
    const ProductBank bank = make_product_bank(static_cast<int8_t>(a));
    for (uint32_t code = 0; code < kCodesPerCell; ++code) {
      ASSERT_EQ(select_product(bank, code), a * static_cast<int32_t>(code)) << a << " " << code;
    }
  }
}

TEST(WeightCell, WeightProductIsExactForEveryWidth) {
  for (auto type : {GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_0, GgmlType::Q5_K, GgmlType::Q6_K,
                    GgmlType::Q8_0}) {
    const CellLayout layout = cell_layout(type, false);
    for (int a : {-128, -77, -1, 0, 1, 3, 100, 127}) {
      const ProductBank bank = make_product_bank(static_cast<int8_t>(a));
      for (uint32_t code = 0; code < (1u << layout.code_bits); ++code) {
        ASSERT_EQ(weight_product(bank, layout, code), a * code_value(layout, code))
            << gguf::traits(type).name << " a=" << a << " code=" << code;
      }
    }
  }
}

TEST(WeightCell, SignedEightBitCodesReadAsTwosComplement) {
  const CellLayout q8 = cell_layout(GgmlType::Q8_0, false);
  EXPECT_EQ(code_value(q8, 0x80), -128);
  EXPECT_EQ(code_value(q8, 0xFF), -1);
  EXPECT_EQ(code_value(q8, 0x7F), 127);
  EXPECT_EQ(weight_product(make_product_bank(-128), q8, 0x80), 16384);
}

TEST(WeightCell, CellsPerWeightTable) {
  struct Row {
    GgmlType type;
    uint32_t bits, cells;
  };
  for (const Row& r :
       {Row{GgmlType::Q2_K, 2, 1}, Row{GgmlType::Q3_K, 3, 1}, Row{GgmlType::Q4_0, 4, 1},
        Row{GgmlType::Q4_K, 4, 1}, Row{GgmlType::Q5_0, 5, 2}, Row{GgmlType::Q6_K, 6, 2},
        Row{GgmlType::Q8_0, 8, 2}}) {
    const CellLayout layout = cell_layout(r.type, false);
    EXPECT_EQ(layout.code_bits, r.bits) << gguf::traits(r.type).name;
    EXPECT_EQ(layout.cells_per_weight, r.cells) << gguf::traits(r.type).name;
  }
}

TEST(WeightCell, FloatWeightsNeedTheOptIn) {
  try {
    cell_layout(GgmlType::F16, false);
    FAIL() << "F16 accepted without opt-in";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "weight_cells.allow_f16_weights");
  }
  const CellLayout f16 = cell_layout(GgmlType::F16, true);
  EXPECT_EQ(f16.cells_per_weight, 4u);
  EXPECT_TRUE(f16.is_float);
  EXPECT_EQ(cell_layout(GgmlType::F32, true).cells_per_weight, 8u);
  EXPECT_THROW(cell_layout(GgmlType::IQ2_XXS, true), ConfigError);
}

TEST(CellCounts, ScaleBitsFollowTheBlockLayouts) {
  EXPECT_EQ(scale_bits_per_block(GgmlType::Q4_0, false), 16u);   // one f16 d
  EXPECT_EQ(scale_bits_per_block(GgmlType::Q8_0, false), 16u);   // one f16 d
  EXPECT_EQ(scale_bits_per_block(GgmlType::Q3_K, false), 112u);  // 12 B scales + f16 d
  EXPECT_EQ(scale_bits_per_block(GgmlType::Q6_K, false), 144u);  // 16 int8 scales + f16 d
  EXPECT_EQ(scale_bits_per_block(GgmlType::Q4_K, false), 128u);  // d, dmin + 12 B scales
}

TEST(CellCounts, MatrixCellsCountWeightsAndScales) {
  // 4096 x 4096 Q3_K: 16 blocks per row, 28 scale cells per block.
  const MatrixCells q3 = matrix_cells(GgmlType::Q3_K, 4096, 4096, false);
  EXPECT_EQ(q3.weight_cells, 4096ull * 4096);
  EXPECT_EQ(q3.scale_cells, 4096ull * 16 * 28);
  const MatrixCells q6 = matrix_cells(GgmlType::Q6_K, 1024, 4096, false);
  EXPECT_EQ(q6.weight_cells, 1024ull * 4096 * 2);
  EXPECT_EQ(q6.scale_cells, 1024ull * 16 * 36);
  EXPECT_THROW(matrix_cells(GgmlType::Q4_K, 4, 100, false), ConfigError);

  WeightCellConfig wc;
  const MatrixCells f16 = matrix_cells(GgmlType::F16, 2, 8, true);
  EXPECT_EQ(f16.weight_cells, 64u);
  EXPECT_DOUBLE_EQ(cell_transistors(f16, wc), 64.0 + 16 * wc.float_weight_transistors);
}

TEST(CellCounts, BanksAndAdders) {
  DatapathConfig dp;
  dp.activation_lanes = 32;
  dp.matvec_units = 4;
  EXPECT_EQ(product_banks_per_layer(dp), 128u);
  EXPECT_EQ(matvec_adders(10, 32, 1), 10u * (31 + 0 + 1));
  EXPECT_EQ(matvec_adders(10, 32, 2), 10u * (62 + 1 + 1));
}

}  // namespace
}  // namespace etchsim::arch
