#include "kquant_scales.hpp"

namespace etchsim::gguf::detail {

std::array<int, 16> unpack_q3_k_scales(const uint8_t (&b)[kKScaleBytes]) {
  std::array<int, 16> s{};
  for (int i = 0; i < 16; ++i) {
    const int low4 = i < 8 ? b[i] & 15 : b[i - 8] >> 4;
    const int hi2 = (b[8 + i % 4] >> (2 * (i / 4))) & 3;
    s[i] = (low4 | hi2 << 4) - 32;
  }
  return s;
}

ScaleBytes pack_q3_k_scales(const std::array<int, 16>& scales) {
  ScaleBytes b{};
  for (int i = 0; i < 16; ++i) {
    const auto u = static_cast<unsigned>(scales[i] + 32) & 63u;
    b[i % 8] |= static_cast<uint8_t>((u & 15u) << (i < 8 ? 0 : 4));
    b[8 + i % 4] |= static_cast<uint8_t>((u >> 4) << (2 * (i / 4)));
  }
  return b;
}

std::array<ScaleMin, 8> unpack_q4_k_scales(const uint8_t (&b)[kKScaleBytes]) {
  std::array<ScaleMin, 8> sm{};
  for (int s = 0; s < 4; ++s) sm[s] = {b[s] & 63, b[s + 4] & 63};
  for (int s = 4; s < 8; ++s) {
    sm[s] = {(b[s + 4] & 15) | (b[s - 4] >> 6) << 4, (b[s + 4] >> 4) | (b[s] >> 6) << 4};
  }
  return sm;
}

ScaleBytes pack_q4_k_scales(const std::array<ScaleMin, 8>& sm) {
  ScaleBytes b{};
  for (int s = 0; s < 4; ++s) {
    b[s] = static_cast<uint8_t>(sm[s].scale & 63);
    b[s + 4] = static_cast<uint8_t>(sm[s].min & 63);
  }
  for (int s = 4; s < 8; ++s) {
    const auto sc = static_cast<unsigned>(sm[s].scale & 63);
    const auto m = static_cast<unsigned>(sm[s].min & 63);
    b[s + 4] = static_cast<uint8_t>((sc & 15u) | (m & 15u) << 4);
    b[s - 4] |= static_cast<uint8_t>((sc >> 4) << 6);
    b[s] |= static_cast<uint8_t>((m >> 4) << 6);
  }
  return b;
}

}  // namespace etchsim::gguf::detail
