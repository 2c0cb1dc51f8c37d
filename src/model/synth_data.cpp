#include "synth_data.hpp"

#include <bit>
#include <cmath>
#include <cstring>
#include <memory>
#include <numbers>
#include <stdexcept>

#include "etchsim/gguf/random_blocks.hpp"
#include "splitmix64.hpp"

namespace etchsim::model::detail {
namespace {

static_assert(std::endian::native == std::endian::little, "GGUF tensor data is little-endian");

// Llama's initializer range: the layer matrices and token_embd.
constexpr float kWeightStddev = 0.02f;
// Standard deviation of the logits of a random model (see weight_stddev).
constexpr float kLogitStddev = 1.0f;
// RMSNorm weights are 1 + uniform noise in [-kNormNoise/2, kNormNoise/2).
constexpr float kNormNoise = 0.1f;

uint64_t tensor_seed(uint64_t seed, const std::string& name) {
  return splitmix64(splitmix64(seed) ^ fnv1a64(name));
}

}  // namespace

// output_norm leaves the last hidden state with an RMS near 1, so logit j = Σ_k w_jk·y_k has a
// standard deviation of σ·sqrt(n_embd). Llama's 0.02 would give the tiny shape logits spread by
// only 0.16: a near-uniform softmax whose top two logits are typically 0.05 apart. output.weight
// instead gets σ = 1/sqrt(n_embd) (0.016 for the 8B shape, near 0.02), so every shape has
// logits of spread ~1 and a typical top-2 gap of spread/sqrt(2 ln n_vocab) ≈ 0.2-0.3, five
// orders of magnitude above the ~1e-6 differences expected between golden/ and llama.cpp.
// Not larger: node-llama-cpp sums the f32 probabilities in descending order
// (AddonContext.cpp), so a peaked 128256-token softmax loses its many tiny terms and the sum
// drifts from 1 (measured: 1e-4 at spread 2, 4e-4 at spread 4, 1e-5 at spread 1).
float weight_stddev(const TensorPlan& tensor, const LlamaShape& shape) {
  if (tensor.name == "output.weight")
    return kLogitStddev / std::sqrt(static_cast<float>(shape.n_embd));
  return kWeightStddev;
}

gguf::TensorFill random_matrix_fill(const TensorPlan& tensor, uint64_t seed, float stddev) {
  const gguf::GgmlType type = tensor.type;
  const uint64_t row_bytes = gguf::row_bytes(type, tensor.ne.at(0));
  const uint64_t base = tensor_seed(seed, tensor.name);
  return [type, row_bytes, base, stddev](int64_t row_begin, std::span<std::byte> out) {
    const uint64_t rows = out.size() / row_bytes;
    for (uint64_t r = 0; r < rows; ++r) {
      const uint64_t row_seed = splitmix64(base + static_cast<uint64_t>(row_begin) + r);
      gguf::fill_random_blocks(type, row_seed, stddev, out.subspan(r * row_bytes, row_bytes));
    }
  };
}

std::vector<float> norm_weights(const TensorPlan& tensor, uint64_t seed) {
  SplitMix64 rng(tensor_seed(seed, tensor.name));
  std::vector<float> values(static_cast<size_t>(tensor.ne.at(0)));
  for (float& v : values) v = 1.0f + kNormNoise * (rng.unit() - 0.5f);
  return values;
}

gguf::TensorFill one_row_fill(std::vector<float> values) {
  auto shared = std::make_shared<const std::vector<float>>(std::move(values));
  return [shared](int64_t row_begin, std::span<std::byte> out) {
    if (row_begin != 0 || out.size() != shared->size() * sizeof(float))
      throw std::logic_error("one_row_fill: the writer asked for rows of a one-row tensor");
    std::memcpy(out.data(), shared->data(), out.size());
  };
}

// As convert_hf_to_gguf.py computes them for Llama 3.1, in f32.
std::vector<float> llama31_rope_factors(const LlamaShape& shape) {
  constexpr float kFactor = 8.0f, kLowFreqFactor = 1.0f, kHighFreqFactor = 4.0f;
  constexpr float kOriginalContext = 8192.0f;
  constexpr float kLowFreqWavelen = kOriginalContext / kLowFreqFactor;
  constexpr float kHighFreqWavelen = kOriginalContext / kHighFreqFactor;
  const uint32_t dim = shape.head_dim();
  std::vector<float> factors;
  for (uint32_t i = 0; i < dim; i += 2) {
    const float freq =
        1.0f / std::pow(shape.rope_freq_base, static_cast<float>(i) / static_cast<float>(dim));
    const float wavelen = 2.0f * std::numbers::pi_v<float> / freq;
    if (wavelen < kHighFreqWavelen) {
      factors.push_back(1.0f);
    } else if (wavelen > kLowFreqWavelen) {
      factors.push_back(kFactor);
    } else {
      const float smooth =
          (kOriginalContext / wavelen - kLowFreqFactor) / (kHighFreqFactor - kLowFreqFactor);
      factors.push_back(1.0f / ((1.0f - smooth) / kFactor + smooth));
    }
  }
  return factors;
}

}  // namespace etchsim::model::detail
