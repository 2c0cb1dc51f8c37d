// Cycle-level Verilog (the subset Verilator 5.006 and Yosys 0.23 read) of the attention unit's KV
// SRAM schedule (docs/rtl.md "KV schedule"): one layer's `kv_sram.banks` behavioural SRAM banks
// of `word_bits` (one word per cycle per port, `read_latency` / `write_latency`, 1 or 2 ports;
// values are not modelled, a bank flags a read/write port conflict and a read of a word before
// its write is readable), K and V rows striped over banks_per_row banks as arch::kv_row_geometry
// says, and the controller that writes the token's K and V rows and then streams the K pass and
// the V pass over the n_pos positions. The score tree (stages(depth(head_dim))), exp, reciprocal
// and normalise pipelines are delay stages (values not required). valid/ready as the matvec
// units: in_valid/in_ready take a token, out_valid holds until out_ready, a full output stalls
// the unit. Positions advance by one per token taken (one sequence): token k (from 1 after reset)
// attends over n_pos = k positions. Latency and interval of every token equal
// arch::attention_timing(n_pos), which `etchsim rtl-check` measures.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "etchsim/arch/chip_config.hpp"
#include "etchsim/arch/timing.hpp"

namespace etchsim::rtl {

struct KvScheduleSpec {
  std::string module;  // Verilog module name
  arch::AttentionShape shape;
  arch::KvSramConfig kv;
  arch::DatapathConfig datapath;
  uint64_t positions = 1;  // the check runs tokens at n_pos 1 .. positions + 1
  // For testing the checker only: one more register in the reciprocal pipeline (latency + 1).
  bool extra_cycle = false;
};

// Positions a generated schedule is sized for, and banks it instantiates.
inline constexpr uint64_t kMaxKvPositions = 65536;
inline constexpr uint32_t kMaxKvBanks = 1024;

struct KvScheduleGeometry {
  arch::KvRowGeometry row;
  uint32_t banks = 0;
  uint32_t ports = 1;
  uint64_t positions = 1;
  uint32_t dot_stages = 0;  // stages(depth(head_dim))
  // Tokens the testbench sends (n_pos 1 .. positions + 1) and the cycle bound of phase 1.
  uint64_t tokens = 0;
  uint64_t cycle_limit = 0;
};

// Throws std::invalid_argument naming the bad value (positions, banks, shape).
KvScheduleGeometry kv_schedule_geometry(const KvScheduleSpec& spec);

// The module text: etchsim_kv_bank_<module> (the behavioural bank) and <module>.
std::string generate_kv_schedule_verilog(const KvScheduleSpec& spec);

// The Verilator testbench `tb_<module> RESULT.json`: phase 1 sends tokens back to back with the
// output always ready and records, per token, the edge it was taken and the edge its output
// register was written; phase 2 (after a reset) adds seeded random input gaps and output
// back-pressure. Both check the rows each token's K and V passes completed (n_pos each) and
// the banks' hazard flags.
std::string kv_schedule_testbench_cpp(const std::string& module, const KvScheduleGeometry& g);

}  // namespace etchsim::rtl
