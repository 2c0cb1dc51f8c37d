// Random LoRA adapters for a base Llama (lora_synth.hpp).
#include "etchsim/model/lora_synth.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "etchsim/gguf/quantize.hpp"
#include "etchsim/gguf/writer.hpp"
#include "splitmix64.hpp"

namespace etchsim::model {
namespace {

// rows x cols values uniform in [-range, range), seeded by (seed, name), quantised per row.
std::vector<std::byte> random_matrix(const std::string& name, gguf::GgmlType type, int64_t rows,
                                     int64_t cols, float range, uint64_t seed) {
  detail::SplitMix64 rng(detail::splitmix64(seed ^ detail::fnv1a64(name)));
  const size_t row_bytes = gguf::row_bytes(type, cols);
  std::vector<std::byte> bytes(row_bytes * static_cast<size_t>(rows));
  std::vector<float> row(static_cast<size_t>(cols));
  for (int64_t r = 0; r < rows; ++r) {
    for (float& v : row) v = range * (2.0f * rng.unit() - 1.0f);
    gguf::quantize(
        type, row,
        std::span<std::byte>(bytes).subspan(static_cast<size_t>(r) * row_bytes, row_bytes));
  }
  return bytes;
}

}  // namespace

LoraSynthResult synth_lora(const LlamaShape& base, const LoraSynthOptions& options,
                           const std::filesystem::path& out) {
  using gguf::GgmlType;
  if (options.rank < 1) throw std::invalid_argument("the LoRA rank must be at least 1");
  if (options.targets.empty()) throw std::invalid_argument("no LoRA target matrices");
  const GgmlType t = options.type;
  if (t != GgmlType::F32 && t != GgmlType::F16 && t != GgmlType::BF16 && t != GgmlType::Q8_0) {
    throw std::invalid_argument(
        fmt::format("LoRA tensors of type {}: use f32, f16, bf16 or q8_0", gguf::traits(t).name));
  }
  const size_t n_layer = base.n_layer;
  const size_t end = std::min(options.layer_end, n_layer);
  if (options.layer_begin >= end) {
    throw std::invalid_argument(
        fmt::format("the layer range [{}, {}) is empty for a model of {} "
                    "layers",
                    options.layer_begin, options.layer_end, n_layer));
  }
  std::vector<LoraRole> targets = options.targets;
  std::sort(targets.begin(), targets.end());
  targets.erase(std::unique(targets.begin(), targets.end()), targets.end());

  gguf::GgufWriter writer;
  writer.set("general.architecture", "llama");
  writer.set("general.type", "adapter");
  writer.set("general.name", fmt::format("etchsim-synth-lora-r{}", options.rank));
  writer.set("adapter.type", "lora");
  writer.set("adapter.lora.alpha", options.alpha);
  writer.set("etchsim.synth_lora.seed", options.seed);

  LoraSynthResult result;
  // convert_lora_to_gguf.py: a row length that is not a whole number of blocks falls back to F16.
  auto type_for = [&](const std::string& name, int64_t row_length) {
    if (row_length % gguf::traits(t).block_elems == 0) return t;
    result.notes.push_back(
        fmt::format("{}: row length {} is not a multiple of {}'s {}-element "
                    "block, written as f16",
                    name, row_length, gguf::traits(t).name, gguf::traits(t).block_elems));
    return GgmlType::F16;
  };
  for (size_t l = options.layer_begin; l < end; ++l) {
    for (const LoraRole role : targets) {
      const BaseMatrix w = base_matrix(base, role);
      const std::string stem = fmt::format("blk.{}.{}.weight", l, lora_role_name(role));
      const std::string a_name = stem + ".lora_a", b_name = stem + ".lora_b";
      const GgmlType a_type = type_for(a_name, w.cols), b_type = type_for(b_name, options.rank);
      const float a_range = 1.0f / std::sqrt(static_cast<float>(w.cols));
      writer.add_tensor(a_name, a_type, {w.cols, options.rank},
                        random_matrix(a_name, a_type, options.rank, w.cols, a_range, options.seed));
      writer.add_tensor(b_name, b_type, {options.rank, w.rows},
                        random_matrix(b_name, b_type, w.rows, options.rank,
                                      options.zero_b ? 0.0f : options.b_range, options.seed));
      result.n_tensors += 2;
    }
  }
  writer.write(out);
  return result;
}

}  // namespace etchsim::model
