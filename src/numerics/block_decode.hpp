// Weight blocks decoded to int8 codes and their scales (docs/formats.md §3), the common input of
// the scalar reference and the SIMD kernels, so both multiply exactly the same integers.
// Header-only so it inlines into the per-target SIMD code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "etchsim/gguf/blocks.hpp"
#include "etchsim/gguf/fp16.hpp"

namespace etchsim::numerics::detail {

using gguf::kQK;
using gguf::kQKK;

template <class Block>
inline Block load_block(const std::byte* p) {  // blocks are unaligned (22, 34, ... bytes)
  Block b;
  std::memcpy(&b, p, sizeof(Block));
  return b;
}

// A 32-element block: w = the signed or unsigned codes the dot product multiplies.
struct Decoded32 {
  alignas(32) int8_t w[kQK];
  float d;
  float m;  // Q4_1 / Q5_1 only
};

inline uint32_t qh_bits(const uint8_t* qh) {
  uint32_t v;
  std::memcpy(&v, qh, 4);  // little-endian host
  return v;
}

inline void nibbles(const uint8_t* qs, int offset, int8_t* w) {
  for (int j = 0; j < kQK / 2; ++j) {
    w[j] = static_cast<int8_t>((qs[j] & 0xF) - offset);
    w[j + kQK / 2] = static_cast<int8_t>((qs[j] >> 4) - offset);
  }
}

inline void high_bits(uint32_t qh, int offset, int8_t* w) {
  for (int e = 0; e < kQK; ++e) {
    w[e] = static_cast<int8_t>(w[e] + offset + static_cast<int>((qh >> e) & 1u) * 16);
  }
}

inline void decode(const gguf::BlockQ4_0& b, Decoded32& out) {
  nibbles(b.qs, 8, out.w);
  out.d = gguf::fp16_to_fp32(b.d);
}
inline void decode(const gguf::BlockQ4_1& b, Decoded32& out) {
  nibbles(b.qs, 0, out.w);
  out.d = gguf::fp16_to_fp32(b.d);
  out.m = gguf::fp16_to_fp32(b.m);
}
inline void decode(const gguf::BlockQ5_0& b, Decoded32& out) {
  nibbles(b.qs, 0, out.w);
  high_bits(qh_bits(b.qh), -16, out.w);
  out.d = gguf::fp16_to_fp32(b.d);
}
inline void decode(const gguf::BlockQ5_1& b, Decoded32& out) {
  nibbles(b.qs, 0, out.w);
  high_bits(qh_bits(b.qh), 0, out.w);
  out.d = gguf::fp16_to_fp32(b.d);
  out.m = gguf::fp16_to_fp32(b.m);
}
inline void decode(const gguf::BlockQ8_0& b, Decoded32& out) {
  std::memcpy(out.w, b.qs, kQK);
  out.d = gguf::fp16_to_fp32(b.d);
}

// A K-quant super-block: codes w (Q2_K 0..3, Q3_K -4..3, Q4_K 0..15, Q5_K 0..31,
// Q6_K u = q+32 in 0..63), one scale per 16 elements, and mins (Q2_K per 16, Q4_K/Q5_K per 32).
struct DecodedK {
  alignas(32) int8_t w[kQKK];
  int32_t sc[kQKK / 16];
  int32_t mins[kQKK / 16];
  float d;
  float dmin;
};

inline void two_bit_codes(const uint8_t* qs, int8_t* w) {  // e = 128h + 32j + l
  for (int h = 0; h < 2; ++h) {
    for (int j = 0; j < 4; ++j) {
      for (int l = 0; l < 32; ++l) {
        w[128 * h + 32 * j + l] = static_cast<int8_t>((qs[32 * h + l] >> (2 * j)) & 3);
      }
    }
  }
}

// get_scale_min_k4 (§3.2 Q4_K) for sub-block s < 8.
inline void scale_min_k4(const uint8_t* b, int s, int32_t& sc, int32_t& m) {
  if (s < 4) {
    sc = b[s] & 63;
    m = b[s + 4] & 63;
  } else {
    sc = (b[s + 4] & 15) | ((b[s - 4] >> 6) << 4);
    m = (b[s + 4] >> 4) | ((b[s] >> 6) << 4);
  }
}

inline void nibble_codes_k(const uint8_t* qs, int8_t* w) {  // c = e/64, r = e%64
  for (int c = 0; c < 4; ++c) {
    for (int r = 0; r < 32; ++r) {
      w[64 * c + r] = static_cast<int8_t>(qs[32 * c + r] & 15);
      w[64 * c + r + 32] = static_cast<int8_t>(qs[32 * c + r] >> 4);
    }
  }
}

inline void scales_mins_k4(const uint8_t* scales, DecodedK& out) {
  for (int s = 0; s < 8; ++s) {
    int32_t sc = 0;
    scale_min_k4(scales, s, sc, out.mins[s]);
    out.sc[2 * s] = sc;
    out.sc[2 * s + 1] = sc;
  }
}

inline void decode(const gguf::BlockQ2_K& b, DecodedK& out) {
  two_bit_codes(b.qs, out.w);
  for (int s = 0; s < 16; ++s) {
    out.sc[s] = b.scales[s] & 15;
    out.mins[s] = b.scales[s] >> 4;
  }
  out.d = gguf::fp16_to_fp32(b.d);
  out.dmin = gguf::fp16_to_fp32(b.dmin);
}

inline void decode(const gguf::BlockQ3_K& b, DecodedK& out) {
  two_bit_codes(b.qs, out.w);
  for (int h = 0; h < 2; ++h) {
    for (int j = 0; j < 4; ++j) {
      for (int l = 0; l < 32; ++l) {  // hmask bit 4h+j of byte l (pitfall 5)
        const int hb = (b.hmask[l] >> (4 * h + j)) & 1;
        int8_t& w = out.w[128 * h + 32 * j + l];
        w = static_cast<int8_t>(w - (hb ? 0 : 4));
      }
    }
  }
  for (int s = 0; s < 16; ++s) {
    const int low4 = s < 8 ? b.scales[s] & 15 : b.scales[s - 8] >> 4;
    const int hi2 = (b.scales[8 + s % 4] >> (2 * (s / 4))) & 3;
    out.sc[s] = (low4 | hi2 << 4) - 32;
  }
  out.d = gguf::fp16_to_fp32(b.d);
}

inline void decode(const gguf::BlockQ4_K& b, DecodedK& out) {
  nibble_codes_k(b.qs, out.w);
  scales_mins_k4(b.scales, out);
  out.d = gguf::fp16_to_fp32(b.d);
  out.dmin = gguf::fp16_to_fp32(b.dmin);
}

inline void decode(const gguf::BlockQ5_K& b, DecodedK& out) {
  nibble_codes_k(b.qs, out.w);
  for (int e = 0; e < kQKK; ++e) {
    out.w[e] = static_cast<int8_t>(out.w[e] + 16 * ((b.qh[e % 32] >> (e / 32)) & 1));
  }
  scales_mins_k4(b.scales, out);
  out.d = gguf::fp16_to_fp32(b.d);
  out.dmin = gguf::fp16_to_fp32(b.dmin);
}

inline void decode(const gguf::BlockQ6_K& b, DecodedK& out) {
  for (int h = 0; h < 2; ++h) {
    for (int k = 0; k < 4; ++k) {
      for (int l = 0; l < 32; ++l) {
        const uint8_t byte = b.ql[64 * h + l + 32 * (k & 1)];
        const int lo = k < 2 ? byte & 15 : byte >> 4;
        const int hi = (b.qh[32 * h + l] >> (2 * k)) & 3;
        out.w[128 * h + 32 * k + l] = static_cast<int8_t>(lo | hi << 4);
      }
    }
  }
  for (int s = 0; s < 16; ++s) out.sc[s] = b.scales[s];
  out.d = gguf::fp16_to_fp32(b.d);
}

}  // namespace etchsim::numerics::detail
