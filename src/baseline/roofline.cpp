// The decode roofline (docs/gpu-baseline.md has every formula and assumption).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "etchsim/baseline/gpu_baseline.hpp"

namespace etchsim::baseline {
namespace {

// Parameters of the matrices a decode step streams: everything but the token embedding, of
// which only the batch's rows are read.
double streamed_params(const model::LlamaShape& s) {
  return static_cast<double>(s.n_params()) - static_cast<double>(s.n_vocab) * s.n_embd;
}

// Activation elements one sequence reads and writes per step: each layer's fused matmuls read
// their input vector and write their output (QKV, output, gate|up, down), then the embedding row
// in and the logits out. Element-wise work (norms, RoPE, SiLU, residuals) is taken as fused.
double activation_elements(const model::LlamaShape& s) {
  const double e = s.n_embd, kv = s.n_embd_kv(), ff = s.n_ff;
  const double per_layer = (e + (e + 2 * kv))  // QKV
                           + (e + e)           // attention output
                           + (e + 2 * ff)      // gate | up
                           + (ff + e);         // down
  return s.n_layer * per_layer + e + s.n_vocab;
}

}  // namespace

std::optional<GpuDtype> gpu_dtype_from_name(std::string_view name) {
  if (name == "bf16") return GpuDtype::Bf16;
  if (name == "fp8") return GpuDtype::Fp8;
  if (name == "int4") return GpuDtype::Int4;
  return std::nullopt;
}

std::string_view gpu_dtype_name(GpuDtype dtype) {
  switch (dtype) {
    case GpuDtype::Bf16:
      return "bf16";
    case GpuDtype::Fp8:
      return "fp8";
    case GpuDtype::Int4:
      return "int4";
  }
  return "unknown";
}

double weight_bytes_per_param(GpuDtype dtype) {
  switch (dtype) {
    case GpuDtype::Bf16:
      return 2.0;
    case GpuDtype::Fp8:
      return 1.0;
    case GpuDtype::Int4:
      return 0.5 + 2.0 / 128.0;
  }
  return 2.0;
}

double GpuConfig::peak_tflops(GpuDtype dtype) const {
  switch (dtype) {
    case GpuDtype::Bf16:
      return bf16_tflops;
    case GpuDtype::Fp8:
      return fp8_tflops;
    case GpuDtype::Int4:
      return int4_tflops.value_or(bf16_tflops);
  }
  return bf16_tflops;
}

DecodeStep decode_step(const GpuConfig& gpu, const model::LlamaShape& shape,
                       const DecodeWorkload& w) {
  if (w.batch == 0) throw std::invalid_argument("GPU baseline: the batch must be at least 1");
  const double b = w.batch, c = static_cast<double>(w.context);
  const double wb = weight_bytes_per_param(w.dtype);
  const double kv_row = 2.0 * shape.n_layer * shape.n_embd_kv() * w.kv_bytes;  // K and V

  DecodeStep d;
  d.weight_bytes = streamed_params(shape) * wb + b * shape.n_embd * wb;
  d.kv_bytes = b * c * kv_row + b * kv_row;
  d.activation_bytes = b * activation_elements(shape) * w.activation_bytes;
  d.total_bytes = d.weight_bytes + d.kv_bytes + d.activation_bytes;

  const double matrix_params = streamed_params(shape);
  const double attention = 4.0 * b * shape.n_layer * shape.n_head * shape.head_dim() * c;
  d.flops = 2.0 * matrix_params * b + attention;

  d.memory_s = d.total_bytes / (gpu.memory_bandwidth_tbps * 1e12 * gpu.bandwidth_efficiency);
  d.compute_s = d.flops / (gpu.peak_tflops(w.dtype) * 1e12 * gpu.compute_efficiency);
  d.overhead_s = gpu.step_overhead_us * 1e-6;
  d.compute_bound = d.compute_s > d.memory_s;
  d.step_s = std::max(d.memory_s, d.compute_s) + d.overhead_s;
  d.tokens_per_s_per_user = 1.0 / d.step_s;
  d.tokens_per_s_aggregate = b / d.step_s;
  d.achieved_tbps = d.total_bytes / d.step_s / 1e12;
  return d;
}

double resident_weight_bytes(const model::LlamaShape& shape, GpuDtype dtype) {
  return static_cast<double>(shape.n_params()) * weight_bytes_per_param(dtype);
}

double kv_bytes_per_sequence(const model::LlamaShape& shape, uint64_t context, double kv_bytes) {
  return 2.0 * shape.n_layer * shape.n_embd_kv() * kv_bytes * static_cast<double>(context);
}

uint32_t max_batch(const GpuConfig& gpu, const model::LlamaShape& shape, GpuDtype dtype,
                   uint64_t context, double kv_bytes) {
  const double usable = gpu.memory_gb * 1e9 * gpu.memory_usable;
  const double free_bytes = usable - resident_weight_bytes(shape, dtype);
  const double per_seq = kv_bytes_per_sequence(shape, std::max<uint64_t>(context, 1), kv_bytes);
  if (free_bytes < per_seq) return 0;
  return static_cast<uint32_t>(std::min(std::floor(free_bytes / per_seq), 4.0e9));
}

GenerationResult generation(const GpuConfig& gpu, const model::LlamaShape& shape, GpuDtype dtype,
                            uint32_t batch, uint64_t prompt, uint64_t generated) {
  GenerationResult g;
  g.batch = batch;
  g.max_batch = max_batch(gpu, shape, dtype, prompt + generated);
  g.fits = batch <= g.max_batch;
  // Decode steps at contexts prompt + 1 ... prompt + generated - 1; with one generated token,
  // the step at the prompt's context stands for it.
  const uint64_t first = generated >= 2 ? prompt + 1 : std::max<uint64_t>(prompt, 1);
  const uint64_t last = generated >= 2 ? prompt + generated - 1 : first;
  double total_s = 0;
  for (uint64_t ctx = first; ctx <= last; ++ctx) {
    total_s += decode_step(gpu, shape, {.batch = batch, .context = ctx, .dtype = dtype}).step_s;
  }
  const double steps = static_cast<double>(last - first + 1);
  g.mean_step_s = total_s / steps;
  g.tokens_per_s_per_user = 1.0 / g.mean_step_s;
  g.tokens_per_s_aggregate = batch / g.mean_step_s;
  g.joules_per_token = gpu.board_power_w / g.tokens_per_s_aggregate;
  if (gpu.price_per_hour) {
    g.usd_per_million_tokens = *gpu.price_per_hour / 3600.0 / g.tokens_per_s_aggregate * 1e6;
  }
  return g;
}

}  // namespace etchsim::baseline
