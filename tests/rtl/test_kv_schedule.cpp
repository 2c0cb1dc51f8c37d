// The KV SRAM schedule generator's C++ side: the registry names the attention unit as its unit,
// bad sizes are refused by name, and the text instantiates every bank and follows the spec (the
// injected cycle changes it). The Verilator runs are the rtl.check.*kv* tests (rtl_check.sh).
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "etchsim/arch/unit_registry.hpp"
#include "etchsim/rtl/kv_schedule_rtl.hpp"

namespace etchsim::rtl {
namespace {

KvScheduleSpec spec(uint32_t banks, uint64_t positions) {
  KvScheduleSpec s;
  s.module = "layer0_attention";
  s.shape = {4, 2, 16};  // f16 rows of 2 x 16 x 16 = 512 bits
  s.kv.banks = banks;
  s.kv.word_bits = 128;  // 4 words a row
  s.positions = positions;
  return s;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

std::string error_of(const KvScheduleSpec& s) {
  try {
    kv_schedule_geometry(s);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(KvSchedule, TheRegistryGivesItTheAttentionUnitOnly) {
  int n = 0;
  for (const arch::UnitInfo& u : arch::units()) {
    if (u.rtl != arch::RtlKind::KvSchedule) continue;
    ++n;
    EXPECT_EQ(u.kind, arch::UnitKind::Attention) << u.name;
  }
  EXPECT_EQ(n, 1);
}

TEST(KvSchedule, GeometryIsArchsStriping) {
  const KvScheduleGeometry fit = kv_schedule_geometry(spec(8, 5));
  EXPECT_EQ(fit.row.banks_per_row, 4u);
  EXPECT_EQ(fit.row.rows_per_cycle, 2u);
  EXPECT_EQ(fit.tokens, 6u);  // n_pos 1 .. 6
  const KvScheduleGeometry split = kv_schedule_geometry(spec(3, 1));
  EXPECT_EQ(split.row.rows_per_cycle, 0u);
  EXPECT_EQ(split.row.cycles_per_row, 2u);
  EXPECT_EQ(split.dot_stages, 1u);  // depth(16) = 4 levels, 4 per stage
}

TEST(KvSchedule, RefusalsNameTheInput) {
  EXPECT_NE(error_of(spec(4, 0)).find("--positions 0"), std::string::npos);
  EXPECT_NE(error_of(spec(4, kMaxKvPositions + 1)).find("--positions"), std::string::npos);
  EXPECT_NE(error_of(spec(kMaxKvBanks + 1, 4)).find("kv_sram.banks"), std::string::npos);
  KvScheduleSpec s = spec(4, 4);
  s.shape.n_head_kv = 0;
  EXPECT_NE(error_of(s).find("no KV heads"), std::string::npos);
}

TEST(KvSchedule, TextHasEveryBankAndTheSpecsStages) {
  for (const uint32_t banks : {3u, 8u}) {
    const std::string text = generate_kv_schedule_verilog(spec(banks, 4));
    EXPECT_EQ(count(text, "etchsim_kv_bank_layer0_attention bank"), banks) << banks;
    EXPECT_EQ(text, generate_kv_schedule_verilog(spec(banks, 4)));  // deterministic
  }
  KvScheduleSpec s = spec(4, 4);
  s.datapath.special_fn_latency = 5;
  const std::string base = generate_kv_schedule_verilog(s);
  EXPECT_NE(base.find("reg [4:0] rc;"), std::string::npos);  // reciprocal: F registers
  s.extra_cycle = true;
  EXPECT_NE(generate_kv_schedule_verilog(s).find("reg [5:0] rc;"), std::string::npos);
  s.kv.ports_per_bank = 2;  // no port conflict to flag, no write stall
  const std::string two = generate_kv_schedule_verilog(s);
  EXPECT_NE(two.find("rd_en && (1'b0 ||"), std::string::npos);
  EXPECT_NE(two.find("write stall 0"), std::string::npos);
}

}  // namespace
}  // namespace etchsim::rtl
