// The LoRA path's cycle formulas (arch/lora_timing.hpp) on hand-computed cases.
#include <gtest/gtest.h>

#include <vector>

#include "etchsim/arch/lora_timing.hpp"

namespace etchsim::arch {
namespace {

// 8 MAC lanes fed by 2 banks x 64 bits = 128 bits per cycle; a tree of depth 3 in one register
// stage (4 levels per stage); read latency 2.
ChipConfig lora_config() {
  ChipConfig c;
  c.datapath.lora_lanes = 8;
  c.datapath.adder_levels_per_stage = 4;
  c.lora_sram.banks = 2;
  c.lora_sram.word_bits = 64;
  c.lora_sram.read_latency = 2;
  return c;
}

// n_in x n_out of rank r with 16-bit (f16) A and B.
LoraMatrixShape f16_matrix(uint64_t n_in, uint64_t n_out, uint64_t rank) {
  return {.n_in = n_in,
          .n_out = n_out,
          .rank = rank,
          .a_bits = rank * n_in * 16,
          .b_bits = n_out * rank * 16};
}

TEST(LoraTiming, MacBoundPhases) {
  const ChipConfig c = lora_config();
  // Few bits per weight: the lanes are the limit. A: 4 x 30 = 120 MACs -> ceil(120/8) = 15
  // (120 bits -> 1 cycle); B: 20 x 4 = 80 MACs -> 10 (80 bits -> 1 cycle).
  const std::vector<LoraMatrixShape> m{
      {.n_in = 30, .n_out = 20, .rank = 4, .a_bits = 120, .b_bits = 80}};
  const UnitTiming t = lora_path_timing(m, c);
  EXPECT_EQ(t.interval, 15u + 10u);
  // + read latency 2 + 1 tree stage (depth 3) + 1 scale multiply.
  EXPECT_EQ(t.latency, 25u + 2u + 1u + 1u);
}

TEST(LoraTiming, SramBoundPhases) {
  const ChipConfig c = lora_config();
  // f16 on 128 bits per cycle: A 4 x 30 x 16 = 1920 bits -> 15 cycles vs 15 MAC cycles;
  // B 20 x 4 x 16 = 1280 bits -> 10 vs 10: balanced. Halve the SRAM width and it is the limit.
  ChipConfig narrow = c;
  narrow.lora_sram.banks = 1;  // 64 bits per cycle
  const std::vector<LoraMatrixShape> m{f16_matrix(30, 20, 4)};
  // A: max(15, ceil(1920/64) = 30) = 30; B: max(10, 1280/64 = 20) = 20.
  EXPECT_EQ(lora_path_timing(m, narrow), (UnitTiming{50u + 2u + 1u + 1u, 50u}));
  EXPECT_EQ(lora_path_timing(m, c), (UnitTiming{25u + 2u + 1u + 1u, 25u}));
  // Odd sizes round up per phase: A 3 x 7 x 16 = 336 bits -> ceil(336/64) = 6 (MACs 21 -> 3);
  // B 5 x 3 x 16 = 240 bits -> 4 (MACs 15 -> 2).
  const std::vector<LoraMatrixShape> odd{f16_matrix(7, 5, 3)};
  EXPECT_EQ(lora_path_timing(odd, narrow).interval, 6u + 4u);
}

TEST(LoraTiming, MatricesRunOneAfterAnother) {
  ChipConfig c = lora_config();
  c.datapath.lora_lanes = 64;  // depth 6: two register stages
  c.lora_sram.banks = 16;      // 1024 bits per cycle
  // q: 64 -> 64, k and v: 64 -> 16, rank 8, f16. Phase cycles:
  // q A 512 MACs / 8192 bits -> max(8, 8) = 8; q B 512 -> 8;
  // k A 512 -> 8; k B 128 MACs / 2048 bits -> max(2, 2) = 2; v the same as k.
  const std::vector<LoraMatrixShape> qkv{f16_matrix(64, 64, 8), f16_matrix(64, 16, 8),
                                         f16_matrix(64, 16, 8)};
  const UnitTiming t = lora_path_timing(qkv, c);
  EXPECT_EQ(t.interval, 8u + 8u + 8u + 2u + 8u + 2u);
  EXPECT_EQ(t.latency, 36u + 2u + 2u + 1u);
}

TEST(LoraTiming, HC1RankSixteenQAndV) {
  // configs/hc1.toml: 512 lanes, 32 banks x 256 bits; rank-16 f16 LoRA on q (4096 -> 4096) and
  // v (4096 -> 1024): 128 + 128 + 128 + 32 = 416 cycles; latency + read 2 + stages(9 levels / 4
  // = 3) + 1.
  ChipConfig c;
  c.datapath.lora_lanes = 512;
  c.datapath.adder_levels_per_stage = 4;
  c.lora_sram.banks = 32;
  c.lora_sram.word_bits = 256;
  c.lora_sram.read_latency = 2;
  const std::vector<LoraMatrixShape> qv{f16_matrix(4096, 4096, 16), f16_matrix(4096, 1024, 16)};
  EXPECT_EQ(lora_path_timing(qv, c), (UnitTiming{416u + 2u + 3u + 1u, 416u}));
}

TEST(LoraTiming, EmptySpanIsZero) {
  EXPECT_EQ(lora_path_timing({}, lora_config()), (UnitTiming{0, 0}));
  const std::vector<LoraMatrixShape> none;
  EXPECT_EQ(lora_path_timing(none, lora_config()), (UnitTiming{}));
}

TEST(LoraTiming, AdaptedTimingTakesTheMaxThenOneAdd) {
  const UnitTiming base{40, 32};
  // Nothing adapted: the base unchanged (no extra add).
  EXPECT_EQ(adapted_timing(base, {}), base);
  // LoRA shorter than the base: latency base + 1, interval the base's.
  EXPECT_EQ(adapted_timing(base, {30, 20}), (UnitTiming{41, 32}));
  // LoRA longer in both: its latency + 1 and its interval.
  EXPECT_EQ(adapted_timing(base, {60, 50}), (UnitTiming{61, 50}));
  // Mixed: each field takes its own max.
  EXPECT_EQ(adapted_timing(base, {35, 33}), (UnitTiming{41, 33}));
  EXPECT_EQ(adapted_timing(base, {45, 10}), (UnitTiming{46, 32}));
}

TEST(LoraTiming, ExtraDepthBound) {
  ChipConfig c = lora_config();
  // read 2 + 1 stage + 2 x 1 + 1.
  EXPECT_EQ(lora_extra_depth(c), 6u);
  c.datapath.lora_lanes = 512;  // depth 9: 3 stages
  c.lora_sram.read_latency = 5;
  EXPECT_EQ(lora_extra_depth(c), 5u + 3u + 2u + 1u);
  // The bound covers the fixed part of an adapted unit's latency growth: with a LoRA path whose
  // interval fits the base's, the adapted latency grows by at most read + stages + 2F.
  const std::vector<LoraMatrixShape> small{f16_matrix(8, 8, 1)};
  const UnitTiming lora = lora_path_timing(small, c);
  const UnitTiming base{lora.interval, lora.interval};
  EXPECT_LE(adapted_timing(base, lora).latency - base.latency, lora_extra_depth(c));
}

}  // namespace
}  // namespace etchsim::arch
