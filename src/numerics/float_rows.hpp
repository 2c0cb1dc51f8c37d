// F32 / F16 / BF16 weight rows against their prepared activations (docs/formats.md §4.5).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "etchsim/numerics/profile.hpp"

namespace etchsim::numerics::detail {

// The n f32 weights of an (unaligned) row.
std::vector<float> load_f32_row(const std::byte* row, int64_t n);

// ggml_vec_dot_f16 of an f16 weight row with fp16 activation bits.
float dot_f16_row(CpuProfile profile, const std::byte* row, std::span<const uint16_t> x);

// ggml_vec_dot_bf16 as the profile runs it (dot.hpp), with bf16 activation bits.
float dot_bf16_row(CpuProfile profile, const std::byte* row, std::span<const uint16_t> x);

}  // namespace etchsim::numerics::detail
