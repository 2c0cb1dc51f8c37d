// The chip configuration (configs/*.toml): every key, its default and its range are listed by
// config_keys() (config_keys.hpp) and documented in configs/README.md. Defaults are the tiny
// chip's; configs/hc1.toml is the flagship.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace etchsim::arch {

// KV cache element type (docs/design.md "datapath contract"): f16 default, f32, or int8, one f32
// scale per head vector (numerics/kv_cache.hpp).
enum class KvElement { F16, F32, I8 };
std::string_view kv_element_name(KvElement element);
// Bits one element occupies in the KV SRAM (i8's per-head scale is counted by kv_row_bits()).
uint32_t kv_element_bits(KvElement element);

struct ClockConfig {
  double clock_mhz = 500.0;
  bool operator==(const ClockConfig&) const = default;
};

struct DatapathConfig {
  uint32_t activation_lanes = 16;       // activations entering each matvec unit per cycle
  uint32_t vector_lanes = 16;           // elements per cycle of norm/RoPE/SiLU/residual/quantiser
  uint32_t adder_levels_per_stage = 4;  // adder/comparator tree levels between pipeline registers
  uint32_t accumulator_bits = 32;       // per-row integer block accumulator (ggml uses int32)
  uint32_t special_fn_latency = 8;      // cycles of the rsqrt / exp / reciprocal / sin-cos pipes
  uint32_t matvec_units = 4;            // 4: fused QKV and gate|up; 7: one unit per matrix
  uint32_t lora_lanes = 64;             // LoRA fp32 MAC lanes per layer (fed from the LoRA SRAM)
  bool operator==(const DatapathConfig&) const = default;
};

struct KvSramConfig {
  double capacity_mib = 1.0;  // whole chip, split evenly over the layers
  uint32_t banks = 8;         // per layer
  uint32_t ports_per_bank = 1;
  uint32_t word_bits = 128;
  uint32_t read_latency = 1;
  uint32_t write_latency = 1;
  KvElement element = KvElement::F16;
  bool operator==(const KvSramConfig&) const = default;
};

struct LoraSramConfig {
  double capacity_mib = 0.0;  // whole chip, split evenly over the layers; 0: no LoRA
  uint32_t banks = 1;         // per layer
  uint32_t word_bits = 128;
  uint32_t read_latency = 1;
  bool operator==(const LoraSramConfig&) const = default;
};

struct HostConfig {
  uint32_t bytes_per_cycle = 16;
  uint32_t latency_cycles = 10;
  bool operator==(const HostConfig&) const = default;
};

// Serving policy of the host (docs/serving.md): what happens to a request whose sequence the KV
// SRAM refuses (or that would exceed max_users): "queue" waits until a running sequence closes,
// "refuse" records it as refused and goes on.
struct ServingConfig {
  std::string admission = "queue";
  uint32_t max_users = 0;  // users in flight at most; 0: as many as the KV SRAM holds
  bool operator==(const ServingConfig&) const = default;
};

struct ProcessConfig {
  std::string node = "N6";
  bool operator==(const ProcessConfig&) const = default;
};

struct WeightCellConfig {
  bool allow_f16_weights = false;
  double transistors_per_cell = 1.0;
  double float_weight_transistors = 3500.0;  // per F16/BF16/F32 weight when allowed
  bool operator==(const WeightCellConfig&) const = default;
};

// Per-event energies at the reference node (N7; arch/process_node.hpp scales them to
// process.node) and static power (docs/energy-area.md cites every value).
struct EnergyConfig {
  double cell_select_fj = 1.2;           // one 4-bit weight cell selecting its product
  double product_bank_lane_fj = 5000.0;  // one lane-cycle: 16 products formed and broadcast
  double adder_bit_fj = 0.6;             // one full-adder bit of an addition
  double register_bit_fj = 1.0;          // one bit latched into a pipeline register
  double vector_op_fj = 460.0;           // one fp32 element operation of an element-wise unit
  double attention_mac_fj = 300.0;       // one attention multiply-accumulate
  double sram_read_fj_per_bit = 11.0;    // per bit of a 1 KiB macro; x sqrt(macro KiB)
  double sram_write_fj_per_bit = 11.0;   // per bit of a 1 KiB macro; x sqrt(macro KiB)
  double host_link_pj_per_byte = 40.0;   // SerDes energy, not scaled with the node
  double leakage_nw_per_transistor = 0.5;
  double clock_fj_per_register_bit = 0.65;  // clock tree energy per register bit per cycle
  double clock_gating = 0.0;  // fraction of an idle stage's clock energy saved (0: ungated)
  bool operator==(const EnergyConfig&) const = default;
};

// Transistor costs of the non-cell structures and the die-area model (docs/energy-area.md).
struct AreaConfig {
  double full_adder_transistors = 28.0;  // per adder bit (static CMOS mirror adder)
  // One product bank (an int8 lane times 0..15: shifts and 7 adds), as Yosys 0.23 synthesizes it
  // (`stat -tech cmos`: 55.5 k transistors for the 32 banks of a generated hc1 unit).
  double product_bank_transistors = 1734.0;
  // The bit-exact llama.cpp-order datapath, reported beside the total, not in it
  // (docs/energy-area.md): Yosys 0.23 `stat -tech cmos` of etchsim's IEEE binary32 modules.
  double fp32_fma_transistors = 74344.0;
  double fp32_multiply_transistors = 53450.0;
  double fp32_add_transistors = 20262.0;
  double int_to_fp32_transistors = 3304.0;
  uint32_t bit_exact_fp32_lanes = 8;  // fp32 lanes per row (ggml's 8-wide __m256 accumulator)
  // Synthesized / arch/ adder transistors of the vec_dot-order integer tree and lane
  // accumulators of 256-element (K-quant) rows (llama-3.1-8b mix36 slice on hc1: 6.0-7.0).
  double bit_exact_kquant_adder_factor = 6.35;
  double register_bit_transistors = 24.0;     // per flip-flop bit
  double vector_lane_transistors = 20000.0;   // one fp32 lane of an element-wise unit
  double attention_mac_transistors = 5000.0;  // one attention multiply-accumulate lane
  double sram_periphery = 0.4;     // SRAM decoders, sense amps, IO: fraction over the 6T bit cells
  double control_overhead = 0.05;  // control, sequencing, test: fraction of the datapath logic
  double host_interface_transistors = 150e6;  // PCIe controller + PHY
  double logic_utilization = 0.57;            // achieved fraction of the node's peak logic density
  bool operator==(const AreaConfig&) const = default;
};

struct ChipConfig {
  ClockConfig clock;
  DatapathConfig datapath;
  KvSramConfig kv_sram;
  LoraSramConfig lora_sram;
  HostConfig host;
  ServingConfig serving;
  ProcessConfig process;
  WeightCellConfig weight_cells;
  EnergyConfig energy;
  AreaConfig area;

  double clock_hz() const { return clock.clock_mhz * 1e6; }
  bool operator==(const ChipConfig&) const = default;
};

// Parses a TOML file; absent keys keep their defaults. Throws ConfigError naming the file and
// the key for unknown sections or keys, wrong types, out-of-range values and TOML syntax errors.
ChipConfig load_config(const std::filesystem::path& path);
// Same, from TOML text; `source` names it in error messages.
ChipConfig parse_config(std::string_view toml_text, const std::string& source);
// Applies one `--set key=value` ("kv_sram.capacity_mib=256", "process.node=N5"); the value is
// TOML (strings may be left unquoted). Throws ConfigError with source "--set".
void apply_override(ChipConfig& config, std::string_view assignment);
// The resolved configuration as TOML, every key present; parse_config() reads it back equal.
std::string to_toml(const ChipConfig& config);

}  // namespace etchsim::arch
