// The configuration schema. Ranges bound what the timing formulas and the chip model can build;
// they are sanity limits, not technology limits.
#include "etchsim/arch/config_keys.hpp"

namespace etchsim::arch {
namespace {

constexpr double kMaxCount = 1 << 20;

std::vector<ConfigKey> make_keys() {
  using K = KeyKind;
  return {
      {"clock.clock_mhz", K::Real, 1.0, 10000.0, {}, "clock frequency in MHz (one clock domain)"},
      {"datapath.activation_lanes",
       K::Integer,
       1,
       65536,
       {},
       "activations entering each matvec unit per cycle; one product bank per lane; each row's "
       "adder tree has this fan-in (depth ceil(log2(lanes)))"},
      {"datapath.vector_lanes",
       K::Integer,
       1,
       65536,
       {},
       "elements per cycle of the element-wise units: RMSNorm, activation quantiser, RoPE, "
       "SiLU*up, residual add"},
      {"datapath.adder_levels_per_stage",
       K::Integer,
       1,
       64,
       {},
       "adder or comparator tree levels between two pipeline registers"},
      {"datapath.accumulator_bits",
       K::Integer,
       24,
       64,
       {},
       "width of each row's integer block accumulator (ggml: int32; a 256-element block of "
       "8-bit x 8-bit products needs 24)"},
      {"datapath.special_fn_latency",
       K::Integer,
       1,
       256,
       {},
       "pipeline depth in cycles of the rsqrt, exp, reciprocal and sin/cos units"},
      {"datapath.matvec_units",
       K::Integer,
       4,
       7,
       {},
       "matvec units per layer: 4 (QKV fused, output, gate|up fused, down) up to 7 (one per "
       "matrix; more product banks, same timing)"},
      {"kv_sram.capacity_mib",
       K::Real,
       0.001,
       1048576.0,
       {},
       "KV cache SRAM of the whole chip in MiB, split evenly over the layers"},
      {"kv_sram.banks", K::Integer, 1, kMaxCount, {}, "KV SRAM banks per layer"},
      {"kv_sram.ports_per_bank",
       K::Integer,
       1,
       2,
       {},
       "1: a K/V write stalls reads of its banks; 2: one read and one write port"},
      {"kv_sram.word_bits", K::Integer, 8, 4096, {}, "bits per bank access (one word per cycle)"},
      {"kv_sram.read_latency", K::Integer, 1, 64, {}, "cycles from read request to data"},
      {"kv_sram.write_latency", K::Integer, 1, 64, {}, "cycles from write request to readable"},
      {"kv_sram.element",
       K::Text,
       0,
       0,
       {"f16", "f32", "i8"},
       "KV cache element type (i8: one f32 scale per head vector)"},
      {"lora_sram.capacity_mib",
       K::Real,
       0.0,
       1048576.0,
       {},
       "LoRA adapter SRAM in MiB (0: no LoRA)"},
      {"lora_sram.banks", K::Integer, 1, kMaxCount, {}, "LoRA SRAM banks"},
      {"lora_sram.word_bits", K::Integer, 8, 4096, {}, "bits per LoRA bank access"},
      {"host.bytes_per_cycle", K::Integer, 1, 65536, {}, "host link bandwidth in bytes per cycle"},
      {"host.latency_cycles", K::Integer, 0, 1000000, {}, "host link one-way latency in cycles"},
      {"process.node",
       K::Text,
       0,
       0,
       {"N16", "N12", "N7", "N6", "N5", "N4", "N3"},
       "process node; energy and area constants scale from it"},
      {"weight_cells.allow_f16_weights",
       K::Boolean,
       0,
       0,
       {},
       "accept F16/BF16/F32 weight matrices (not hard-wirable as codes: each weight costs "
       "bits/4 storage cells plus a float multiplier)"},
      {"weight_cells.transistors_per_cell",
       K::Real,
       0.1,
       64.0,
       {},
       "transistors per 4-bit weight cell (Taalas: one)"},
      {"weight_cells.float_weight_transistors",
       K::Real,
       0.0,
       1e6,
       {},
       "transistors of the multiplier each float weight needs when allowed"},
  };
}

}  // namespace

std::span<const ConfigKey> config_keys() {
  static const std::vector<ConfigKey> keys = make_keys();
  return keys;
}

const ConfigKey* find_config_key(std::string_view key) {
  for (const auto& row : config_keys()) {
    if (row.key == key) return &row;
  }
  return nullptr;
}

}  // namespace etchsim::arch
