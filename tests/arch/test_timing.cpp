#include <gtest/gtest.h>

#include "etchsim/arch/timing.hpp"

namespace etchsim::arch {
namespace {

DatapathConfig datapath() {
  DatapathConfig dp;
  dp.activation_lanes = 32;
  dp.vector_lanes = 128;
  dp.adder_levels_per_stage = 4;
  dp.special_fn_latency = 8;
  return dp;
}

TEST(Timing, Logs) {
  EXPECT_EQ(ceil_log2(1), 0u);
  EXPECT_EQ(ceil_log2(2), 1u);
  EXPECT_EQ(ceil_log2(33), 6u);
  EXPECT_EQ(adder_tree_depth(32), 5u);
  EXPECT_EQ(adder_tree_depth(128256), 17u);
  EXPECT_EQ(register_stages(5, 4), 2u);
  EXPECT_EQ(register_stages(0, 4), 0u);
}

TEST(Timing, Matvec) {
  // 4096 cols / 32 lanes = 128 passes; depth 5 -> 2 stages; + 2 scale/accumulate.
  EXPECT_EQ(matvec_timing(4096, datapath(), 1), (UnitTiming{128 + 2 + 2, 128}));
  // Two-cell weights: depth 6 -> still 2 stages. 14336 / 32 = 448.
  EXPECT_EQ(matvec_timing(14336, datapath(), 2), (UnitTiming{448 + 2 + 2, 448}));
  DatapathConfig dp = datapath();
  dp.adder_levels_per_stage = 1;  // one register per level: depth 6 -> 6 stages
  EXPECT_EQ(matvec_timing(100, dp, 2), (UnitTiming{4 + 6 + 2, 4}));
}

TEST(Timing, ElementWiseUnits) {
  const DatapathConfig dp = datapath();
  // 4096 / 128 = 32 per pass; reduce log2(128) = 7 levels -> 2 stages; rsqrt 8.
  EXPECT_EQ(rms_norm_timing(4096, dp), (UnitTiming{32 + 2 + 8 + 32, 32}));
  EXPECT_EQ(quantize_timing(14336, dp), (UnitTiming{112 + 8 + 112, 112}));
  EXPECT_EQ(rope_timing(4096 + 1024, dp), (UnitTiming{8 + 40, 40}));
  EXPECT_EQ(silu_mul_timing(14336, dp), (UnitTiming{112 + 8 + 1, 112}));
  EXPECT_EQ(residual_timing(4096, dp), (UnitTiming{33, 32}));
  EXPECT_EQ(argmax_timing(128256, dp), (UnitTiming{5, 1}));  // 17 levels / 4
}

TEST(Timing, KvGeometryAndBankConflicts) {
  KvSramConfig kv;
  kv.banks = 256;
  kv.word_bits = 256;
  kv.element = KvElement::F16;
  KvRowGeometry g = kv_row_geometry(8, 128, kv);
  EXPECT_EQ(g.row_bits, 16384u);
  EXPECT_EQ(g.banks_per_row, 64u);
  EXPECT_EQ(g.rows_per_cycle, 4u);
  EXPECT_EQ(kv_read_cycles(1024, g), 256u);
  EXPECT_EQ(kv_read_cycles(1025, g), 257u);
  // 200 banks: only 3 whole rows fit a cycle, 8 banks idle.
  kv.banks = 200;
  EXPECT_EQ(kv_read_cycles(1024, kv_row_geometry(8, 128, kv)), 342u);
  // Fewer banks than a row needs: 64 / 16 = 4 cycles per row.
  kv.banks = 16;
  g = kv_row_geometry(8, 128, kv);
  EXPECT_EQ(g.rows_per_cycle, 0u);
  EXPECT_EQ(kv_read_cycles(10, g), 40u);
  // i8: 8 x (128 x 8 + 32) = 8448 bits -> 33 words.
  kv.element = KvElement::I8;
  EXPECT_EQ(kv_row_geometry(8, 128, kv).banks_per_row, 33u);
}

TEST(Timing, Attention) {
  ChipConfig c;
  c.datapath = datapath();
  c.kv_sram.banks = 256;
  c.kv_sram.word_bits = 256;
  c.kv_sram.read_latency = 2;
  c.kv_sram.write_latency = 2;
  c.kv_sram.ports_per_bank = 1;
  const AttentionShape shape{32, 8, 128};
  // write 2 + stall 2 + K pass (2 + 256 + 2 stages of log2(128)=7) + V pass (8 + 2 + 256)
  // + reciprocal 8 + multiply 1.
  const uint64_t latency = 2 + 2 + (2 + 256 + 2) + (8 + 2 + 256) + 8 + 1;
  // In order: the next token is taken at the last V read; the V data register, reciprocal and
  // normalise (2 + 8 + 1) overlap it.
  const uint64_t interval = 2 + 2 + (2 + 256 + 2) + 8 + 256;
  EXPECT_EQ(interval, latency - (2 + 8 + 1));
  EXPECT_EQ(attention_timing(1024, shape, c), (UnitTiming{latency, interval}));
  c.kv_sram.ports_per_bank = 2;  // writes on their own port: no stall
  EXPECT_EQ(attention_timing(1024, shape, c), (UnitTiming{latency - 2, interval - 2}));
}

TEST(Timing, HostLink) {
  HostConfig host;
  host.bytes_per_cycle = 64;
  host.latency_cycles = 500;
  EXPECT_EQ(host_transfer_timing(16384, host), (UnitTiming{756, 256}));
  EXPECT_EQ(host_transfer_timing(4, host), (UnitTiming{501, 1}));
}

}  // namespace
}  // namespace etchsim::arch
