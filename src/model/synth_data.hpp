// Internal to model/: the tensor contents synth writes, as writer fill callbacks whose bytes
// depend only on (seed, tensor name, row) — never on how the writer chunks rows or threads.
#pragma once

#include <cstdint>
#include <vector>

#include "etchsim/gguf/writer.hpp"
#include "etchsim/model/llama_shape.hpp"
#include "etchsim/model/synth.hpp"

namespace etchsim::model::detail {

// Standard deviation of a matrix's dequantised weights (see synth_data.cpp for the choice).
float weight_stddev(const TensorPlan& tensor, const LlamaShape& shape);

// Random blocks for a matrix, each row seeded from (seed, name, row index).
gguf::TensorFill random_matrix_fill(const TensorPlan& tensor, uint64_t seed, float stddev);
// RMSNorm weights near 1, seeded from (seed, name).
std::vector<float> norm_weights(const TensorPlan& tensor, uint64_t seed);
// An f32 tensor of one row whose values are given up front.
gguf::TensorFill one_row_fill(std::vector<float> values);

// Llama 3.1 rope frequency factors (docs/formats.md §5.3 item 4): factor 8, low_freq_factor 1,
// high_freq_factor 4, original_max_position_embeddings 8192, base = shape.rope_freq_base.
std::vector<float> llama31_rope_factors(const LlamaShape& shape);

}  // namespace etchsim::model::detail
