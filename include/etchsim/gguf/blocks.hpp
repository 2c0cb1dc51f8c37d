// ggml block layouts, byte for byte as ggml-common.h declares them
// (docs/formats.md §3). Sizes are asserted against ggml's.
#pragma once

#include <cstdint>

namespace etchsim::gguf {

inline constexpr int kQK = 32;           // elements per 32-block (QK4_0, QK8_0, ...)
inline constexpr int kQKK = 256;         // elements per K-quant super-block (QK_K)
inline constexpr int kKScaleBytes = 12;  // K_SCALE_SIZE

using f16_bits = uint16_t;   // IEEE binary16, little-endian
using bf16_bits = uint16_t;  // top half of binary32

struct BlockQ4_0 {
  f16_bits d;
  uint8_t qs[kQK / 2];  // element j in low nibble of qs[j], element j+16 in its high nibble
};
struct BlockQ4_1 {
  f16_bits d;
  f16_bits m;
  uint8_t qs[kQK / 2];
};
struct BlockQ5_0 {
  f16_bits d;
  uint8_t qh[4];  // fifth bit of element e at bit e of qh (little-endian u32)
  uint8_t qs[kQK / 2];
};
struct BlockQ5_1 {
  f16_bits d;
  f16_bits m;
  uint8_t qh[4];
  uint8_t qs[kQK / 2];
};
struct BlockQ8_0 {
  f16_bits d;
  int8_t qs[kQK];
};
struct BlockQ8_1 {
  f16_bits d;
  f16_bits s;  // fp16(d * sum(qs))
  int8_t qs[kQK];
};
struct BlockQ2_K {
  uint8_t scales[kQKK / 16];  // low nibble scale, high nibble min
  uint8_t qs[kQKK / 4];
  f16_bits d;
  f16_bits dmin;
};
struct BlockQ3_K {
  uint8_t hmask[kQKK / 8];
  uint8_t qs[kQKK / 4];
  uint8_t scales[kKScaleBytes];  // 16 six-bit scales, biased by 32
  f16_bits d;
};
struct BlockQ4_K {
  f16_bits d;
  f16_bits dmin;
  uint8_t scales[kKScaleBytes];  // 8 six-bit scales and 8 six-bit mins (get_scale_min_k4)
  uint8_t qs[kQKK / 2];
};
struct BlockQ5_K {
  f16_bits d;
  f16_bits dmin;
  uint8_t scales[kKScaleBytes];
  uint8_t qh[kQKK / 8];
  uint8_t qs[kQKK / 2];
};
struct BlockQ6_K {
  uint8_t ql[kQKK / 2];
  uint8_t qh[kQKK / 4];
  int8_t scales[kQKK / 16];
  f16_bits d;
};
struct BlockQ8_K {
  float d;  // f32, not f16
  int8_t qs[kQKK];
  int16_t bsums[kQKK / 16];
};

static_assert(sizeof(BlockQ4_0) == 18);
static_assert(sizeof(BlockQ4_1) == 20);
static_assert(sizeof(BlockQ5_0) == 22);
static_assert(sizeof(BlockQ5_1) == 24);
static_assert(sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ8_1) == 36);
static_assert(sizeof(BlockQ2_K) == 84);
static_assert(sizeof(BlockQ3_K) == 110);
static_assert(sizeof(BlockQ4_K) == 144);
static_assert(sizeof(BlockQ5_K) == 176);
static_assert(sizeof(BlockQ6_K) == 210);
static_assert(sizeof(BlockQ8_K) == 292);

}  // namespace etchsim::gguf
