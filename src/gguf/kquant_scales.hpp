// The 6-bit scale packings of the K-quant super-blocks (docs/formats.md §3.2), shared by the
// dequantisers and their inverse in the weight quantisers.
#pragma once

#include <array>
#include <cstdint>

#include "etchsim/gguf/blocks.hpp"

namespace etchsim::gguf::detail {

using ScaleBytes = std::array<uint8_t, kKScaleBytes>;

// Q3_K: the 16 signed scales S_s = (low4 | hi2 << 4) - 32, in -32..31 (§3.2, pitfall §8.5).
std::array<int, 16> unpack_q3_k_scales(const uint8_t (&b)[kKScaleBytes]);
ScaleBytes pack_q3_k_scales(const std::array<int, 16>& scales);

// Q4_K / Q5_K: get_scale_min_k4, eight (scale, min) pairs of 6 bits each.
struct ScaleMin {
  int scale;
  int min;
};
std::array<ScaleMin, 8> unpack_q4_k_scales(const uint8_t (&b)[kKScaleBytes]);
ScaleBytes pack_q4_k_scales(const std::array<ScaleMin, 8>& sm);

}  // namespace etchsim::gguf::detail
