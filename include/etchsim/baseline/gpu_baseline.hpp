// The GPU "memory wall" baseline (docs/gpu-baseline.md): a roofline model of LLM decode on a GPU
// given its memory bandwidth, peak compute and capacity, with fitted efficiency factors and a
// fixed per-step overhead. Configurations: configs/gpus/*.toml.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "etchsim/model/llama_shape.hpp"

namespace etchsim::baseline {

// A bad GPU configuration. The message names the key ("efficiency.bandwidth") and the file.
class GpuConfigError : public std::runtime_error {
 public:
  GpuConfigError(std::string source, std::string key, const std::string& what);
  const std::string& source() const { return m_source; }
  const std::string& key() const { return m_key; }

 private:
  std::string m_source;
  std::string m_key;
};

// Weight data type on the GPU. bf16: the anchor's dtype; fp8: W8A8 on FP8 tensor cores; int4:
// weight-only 4-bit (W4A16, one bf16 scale per 128 weights) computed at the int4 peak.
enum class GpuDtype { Bf16, Fp8, Int4 };
std::optional<GpuDtype> gpu_dtype_from_name(std::string_view name);
std::string_view gpu_dtype_name(GpuDtype dtype);
// Bytes of HBM per weight: 2, 1, 0.5 + 2/128 (group scale).
double weight_bytes_per_param(GpuDtype dtype);

struct GpuConfig {
  std::string name;                      // gpu.name
  double memory_bandwidth_tbps = 0;      // gpu.memory_bandwidth_tbps: datasheet peak, 10^12 B/s
  double memory_gb = 0;                  // gpu.memory_gb: HBM capacity, 10^9 B
  double board_power_w = 0;              // gpu.board_power_w: board power (TDP) while decoding
  std::optional<double> price_per_hour;  // gpu.price_per_hour_usd: rental price, optional
  double bf16_tflops = 0;                // peak_tflops.bf16: dense tensor-core peak
  double fp8_tflops = 0;                 // peak_tflops.fp8
  std::optional<double> int4_tflops;     // peak_tflops.int4 (default: bf16, the W4A16 path)
  double bandwidth_efficiency = 1;       // efficiency.bandwidth: sustained / datasheet bandwidth
  double compute_efficiency = 1;         // efficiency.compute: sustained / peak tensor FLOP/s
  double step_overhead_us = 0;           // efficiency.step_overhead_us: fixed time per step
  double memory_usable = 1;              // efficiency.memory_usable: fraction of HBM for weights+KV

  double peak_tflops(GpuDtype dtype) const;
};

// Parses a GPU configuration; unknown keys, missing required keys, wrong types and out-of-range
// values throw GpuConfigError naming the key.
GpuConfig parse_gpu_config(std::string_view toml_text, const std::string& source);
GpuConfig load_gpu_config(const std::filesystem::path& path);

struct DecodeWorkload {
  uint32_t batch = 1;       // sequences decoded together, one token each per step
  uint64_t context = 1024;  // cached positions every sequence attends to in this step
  GpuDtype dtype = GpuDtype::Bf16;
  double kv_bytes = 2;          // per K or V element (bf16)
  double activation_bytes = 2;  // per activation element (bf16)
};

// One decode step: every sequence of the batch produces one token.
struct DecodeStep {
  double weight_bytes = 0;      // matrices once per step + the batch's embedding rows
  double kv_bytes = 0;          // K and V read over the context, plus the new rows written
  double activation_bytes = 0;  // matmul inputs read and outputs written, logits
  double total_bytes = 0;
  double flops = 0;  // 2 x matrix params x batch + attention (QK and PV)
  double memory_s = 0;
  double compute_s = 0;
  double overhead_s = 0;
  double step_s = 0;  // max(memory_s, compute_s) + overhead_s
  bool compute_bound = false;
  double tokens_per_s_per_user = 0;   // 1 / step_s
  double tokens_per_s_aggregate = 0;  // batch / step_s
  double achieved_tbps = 0;           // total_bytes / step_s / 10^12
};
DecodeStep decode_step(const GpuConfig& gpu, const model::LlamaShape& shape,
                       const DecodeWorkload& workload);

// Bytes resident in HBM: every weight (embedding included), and one sequence's KV cache.
double resident_weight_bytes(const model::LlamaShape& shape, GpuDtype dtype);
double kv_bytes_per_sequence(const model::LlamaShape& shape, uint64_t context, double kv_bytes);
// The largest batch whose weights + KV at `context` fit memory_gb x memory_usable (0: none).
uint32_t max_batch(const GpuConfig& gpu, const model::LlamaShape& shape, GpuDtype dtype,
                   uint64_t context, double kv_bytes = 2);

// A whole generation, as `etchsim run` measures the chip: after a prompt of `prompt` tokens the
// first token comes from prefill (not modelled), then generated - 1 decode steps at contexts
// prompt + 1 ... prompt + generated - 1. Tokens/s are those steps' tokens over their time.
struct GenerationResult {
  uint32_t batch = 0;
  uint32_t max_batch = 0;  // at the final context
  bool fits = false;       // batch <= max_batch
  double mean_step_s = 0;
  double tokens_per_s_per_user = 0;
  double tokens_per_s_aggregate = 0;
  double joules_per_token = 0;                   // board_power_w / aggregate
  std::optional<double> usd_per_million_tokens;  // price_per_hour / 3600 / aggregate x 10^6
};
GenerationResult generation(const GpuConfig& gpu, const model::LlamaShape& shape, GpuDtype dtype,
                            uint32_t batch, uint64_t prompt, uint64_t generated);

}  // namespace etchsim::baseline
