// SIMD block dot products (Highway, dynamic dispatch). They keep the scalar reference's lane
// structure exactly (dot.hpp): the integer lanes are exact, and every float lane sees the same
// fma sequence, so the results are bit-identical to dot_row. The 8 int32 / f32 lanes need
// 256-bit vectors: AVX2 and AVX-512 targets run SIMD, any other target falls back to dot_row.
// SSSE3/SSE4 targets are not compiled (they would only fall back).
#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS (HWY_SSSE3 | HWY_SSE4)
#endif
// AVX3_DL (AVX-512 VNNI, e.g. Ice Lake, Zen 4): the block kernels fuse their integer
// multiply-adds (x86_blocks-inl.hpp AddMadd, rows8-inl.hpp Q4_0GroupFma).
#define HWY_WANT_AVX3_DL

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "../src/numerics/dot_simd.cpp"  // found through include/
#include <hwy/foreach_target.h>                            // IWYU pragma: keep
// clang-format off
#include <hwy/highway.h>
// clang-format on

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>
#if HWY_ARCH_X86
#include <immintrin.h>
#endif

#include "block_decode.hpp"
#include "dot_rows.hpp"
#include "etchsim/numerics/float_dot.hpp"
#include "etchsim/numerics/repack.hpp"
#include "hsum.hpp"
#include "kquant_terms.hpp"

HWY_BEFORE_NAMESPACE();
namespace etchsim::numerics::detail {
namespace HWY_NAMESPACE {

#if HWY_TARGET == HWY_AVX2 || HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
namespace hn = hwy::HWY_NAMESPACE;
using gguf::GgmlType;

using DI8 = hn::FixedTag<int8_t, 16>;
using DI16 = hn::FixedTag<int16_t, 16>;
using DI32 = hn::FixedTag<int32_t, 8>;
using DF = hn::FixedTag<float, 8>;
using DH = hn::FixedTag<hwy::float16_t, 8>;
using VI32 = hn::Vec<DI32>;
using VF = hn::Vec<DF>;

using DU8 = hn::FixedTag<uint8_t, 16>;
using DU16 = hn::FixedTag<uint16_t, 16>;
using VI16 = hn::Vec<DI16>;

// Exact f16 -> f32 (F16C; every AVX2 / AVX-512 target has it).
HWY_INLINE float F16(uint16_t h) { return _cvtsh_ss(h); }

// x86 block kernels: 8-row Repacked Q4_0 / Q4_K, register-decoded Q3_K / Q6_K.
// clang-format off
#include "x86_blocks-inl.hpp"  // first: the helpers the kernels use
#include "rows8-inl.hpp"
#include "kquant_rows-inl.hpp"
#include "rows16-inl.hpp"
// clang-format on

HWY_INLINE VI16 LoadI8AsI16(const int8_t* p) { return hn::PromoteTo(DI16(), hn::LoadU(DI8(), p)); }

// Lane k = w[2k]*a[2k] + w[2k+1]*a[2k+1] over 16 elements (madd).
HWY_INLINE VI32 MulPairs(VI16 w, VI16 a) {
  const DI32 d32;
  auto sum1 = hn::Zero(d32);
  const auto sum0 = hn::ReorderWidenMulAccumulate(d32, w, a, hn::Zero(d32), sum1);
  return hn::RearrangeToOddPlusEven(sum0, sum1);
}

HWY_INLINE VI32 PairSums(const int8_t* w, const int8_t* a) {
  return MulPairs(LoadI8AsI16(w), LoadI8AsI16(a));
}

// Pair sums of elements 0..15 (lo) and 16..31 (hi) to lane L = elements 4L..4L+3.
HWY_INLINE VI32 QuadLanes(VI32 lo, VI32 hi) {
  const DI32 d32;
  return hn::Add(hn::ConcatEven(d32, hi, lo), hn::ConcatOdd(d32, hi, lo));
}

// The codes of a 32-block as int16, elements 0..15 and 16..31 (same values as block_decode.hpp).
struct Codes32 {
  VI16 lo;
  VI16 hi;
};

HWY_INLINE Codes32 Nibbles(const uint8_t* qs, int16_t offset) {
  const DU8 du8;
  const DI16 d16;
  const auto bytes = hn::LoadU(du8, qs);
  const auto off = hn::Set(d16, offset);
  return {hn::Sub(hn::PromoteTo(d16, hn::And(bytes, hn::Set(du8, uint8_t{0x0F}))), off),
          hn::Sub(hn::PromoteTo(d16, hn::ShiftRight<4>(bytes)), off)};
}

// Adds 16 to element e where bit e of qh is set.
HWY_INLINE Codes32 AddHighBits(Codes32 c, const uint8_t* qh_bytes) {
  const DU16 du16;
  const DI16 d16;
  alignas(32) static constexpr uint16_t kBit[16] = {1,   2,   4,    8,    16,   32,   64,    128,
                                                    256, 512, 1024, 2048, 4096, 8192, 16384, 32768};
  const uint32_t qh = qh_bits(qh_bytes);
  const auto bits = hn::Load(du16, kBit);
  const auto sixteen = hn::Set(du16, uint16_t{16});
  const auto lo =
      hn::IfThenElseZero(hn::TestBit(hn::Set(du16, static_cast<uint16_t>(qh)), bits), sixteen);
  const auto hi = hn::IfThenElseZero(
      hn::TestBit(hn::Set(du16, static_cast<uint16_t>(qh >> 16)), bits), sixteen);
  return {hn::Add(c.lo, hn::BitCast(d16, lo)), hn::Add(c.hi, hn::BitCast(d16, hi))};
}

HWY_INLINE Codes32 BlockCodes(const gguf::BlockQ4_0& b) { return Nibbles(b.qs, 8); }
HWY_INLINE Codes32 BlockCodes(const gguf::BlockQ4_1& b) { return Nibbles(b.qs, 0); }
HWY_INLINE Codes32 BlockCodes(const gguf::BlockQ5_0& b) {
  return AddHighBits(Nibbles(b.qs, 16), b.qh);
}
HWY_INLINE Codes32 BlockCodes(const gguf::BlockQ5_1& b) {
  return AddHighBits(Nibbles(b.qs, 0), b.qh);
}
HWY_INLINE Codes32 BlockCodes(const gguf::BlockQ8_0& b) {
  return {LoadI8AsI16(b.qs), LoadI8AsI16(b.qs + 16)};
}

HWY_INLINE VI32 BlockLanes(const Codes32& w, const int8_t* a) {
  return QuadLanes(MulPairs(w.lo, LoadI8AsI16(a)), MulPairs(w.hi, LoadI8AsI16(a + 16)));
}

HWY_INLINE float Hsum8(VF v) {
  alignas(32) float lanes[8];
  hn::Store(v, DF(), lanes);
  return hsum8(lanes);
}

HWY_INLINE VF FmaLanes(float c, VI32 lanes, VF acc) {
  const DF df;
  return hn::MulAdd(hn::Set(df, c), hn::ConvertTo(df, lanes), acc);
}

template <class Block>
float DotQ8_0Family(const std::byte* row, const gguf::BlockQ8_0* act, size_t blocks) {
  VF acc = hn::Zero(DF());
  for (size_t b = 0; b < blocks; ++b) {
    const auto x = load_block<Block>(row + b * sizeof(Block));
    acc = FmaLanes(F16(x.d) * F16(act[b].d), BlockLanes(BlockCodes(x), act[b].qs), acc);
  }
  return Hsum8(acc);
}

template <class Block>
float DotQ8_1Family(const std::byte* row, const gguf::BlockQ8_1* act, size_t blocks) {
  VF acc = hn::Zero(DF());
  float summs = 0.0f;
  for (size_t b = 0; b < blocks; ++b) {
    const auto x = load_block<Block>(row + b * sizeof(Block));
    summs = std::fma(F16(x.m), F16(act[b].s), summs);
    acc = FmaLanes(F16(x.d) * F16(act[b].d), BlockLanes(BlockCodes(x), act[b].qs), acc);
  }
  return Hsum8(acc) + summs;
}

float DotQ4_0Repacked(const std::byte* row, const gguf::BlockQ8_0* act, size_t blocks) {
  const DI32 d32;
  float acc = 0.0f;
  for (size_t b = 0; b < blocks; ++b) {
    const auto x = load_block<gguf::BlockQ4_0>(row + b * sizeof(gguf::BlockQ4_0));
    const int32_t sum = hn::GetLane(hn::SumOfLanes(d32, BlockLanes(BlockCodes(x), act[b].qs)));
    acc = std::fma(static_cast<float>(sum), F16(x.d) * F16(act[b].d), acc);
  }
  return acc;
}

// K-quant lanes: lane L = sum over chunks c of sc(2c + L/4) * (elements 32c+4L..+3 of w*a).
HWY_INLINE VI32 KLanes(const DecodedK& k, const int8_t* a) {
  const DI32 d32;
  VI32 lo = hn::Zero(d32);
  VI32 hi = hn::Zero(d32);
  for (int c = 0; c < kQKK / kQK; ++c) {
    const int8_t* w = k.w + kQK * c;
    const int8_t* y = a + kQK * c;
    lo = hn::Add(lo, hn::Mul(PairSums(w, y), hn::Set(d32, k.sc[2 * c])));
    hi = hn::Add(hi, hn::Mul(PairSums(w + 16, y + 16), hn::Set(d32, k.sc[2 * c + 1])));
  }
  return QuadLanes(lo, hi);
}

template <GgmlType kType, class Block>
float DotKVecDot(const std::byte* row, const gguf::BlockQ8_K* act, size_t blocks) {
  const DI32 d32;
  const DF df;
  VF acc = hn::Zero(df);
  float accm[4] = {};
  float summs = 0.0f;
  for (size_t b = 0; b < blocks; ++b) {
    DecodedK k;
    decode(load_block<Block>(row + b * sizeof(Block)), k);
    const gguf::BlockQ8_K& y = act[b];
    const float dall = y.d * k.d;
    const float dmin = -(y.d * k.dmin);
    VI32 lanes = KLanes(k, y.qs);
    if constexpr (kType == GgmlType::Q2_K) {
      alignas(32) int32_t mins[8];
      for (int l = 0; l < 8; ++l) mins[l] = q2k_min_lane(k, y.bsums, l);
      acc = FmaLanes(dmin, hn::Load(d32, mins), acc);
    } else if constexpr (kType == GgmlType::Q4_K) {
      for (int l = 0; l < 4; ++l) {
        accm[l] = std::fma(dmin, static_cast<float>(q4k_min_lane(k, y.bsums, l)), accm[l]);
      }
    } else if constexpr (kType == GgmlType::Q5_K) {
      summs = std::fma(dmin, static_cast<float>(k4_min_total(k, y.bsums)), summs);
    } else if constexpr (kType == GgmlType::Q6_K) {
      alignas(32) int32_t offsets[8];
      for (int l = 0; l < 8; ++l) offsets[l] = q6k_lane_offset(k, y.bsums, l);
      lanes = hn::Add(lanes, hn::Load(d32, offsets));
    }
    acc = FmaLanes(dall, lanes, acc);
  }
  if constexpr (kType == GgmlType::Q4_K)
    return Hsum8(acc) + ((accm[0] + accm[2]) + (accm[1] + accm[3]));
  if constexpr (kType == GgmlType::Q5_K) return Hsum8(acc) + summs;
  return Hsum8(acc);
}

template <GgmlType kType, class Block>
float DotKRepacked(const std::byte* row, const gguf::BlockQ8_K* act, size_t blocks) {
  const DI32 d32;
  float acc = 0.0f;
  float accm = 0.0f;
  for (size_t b = 0; b < blocks; ++b) {
    DecodedK k;
    decode(load_block<Block>(row + b * sizeof(Block)), k);
    const gguf::BlockQ8_K& y = act[b];
    const int32_t total = hn::GetLane(hn::SumOfLanes(d32, KLanes(k, y.qs)));
    const int32_t mins =
        kType == GgmlType::Q2_K ? q2k_min_total(k, y.bsums) : k4_min_total(k, y.bsums);
    acc = std::fma(static_cast<float>(total), k.d * y.d, acc);
    accm = std::fma(static_cast<float>(mins), k.dmin * y.d, accm);
  }
  return acc - accm;
}

// The 4-accumulator body of float_dot.cpp: EPR = simd_lanes(profile) lanes as EPR / 8 vectors of
// 8 lanes; `load` gives 8 f32 of each operand at an element index.
template <class Load>
float FloatBody(CpuProfile profile, size_t body, const Load& load) {
  const DF df;
  const auto lanes = static_cast<size_t>(simd_lanes(profile));
  const size_t parts = lanes / 8;
  VF acc[4][2];
  for (auto& a : acc) a[0] = a[1] = hn::Zero(df);
  for (size_t i = 0; i < body; i += 4 * lanes) {
    for (size_t j = 0; j < 4; ++j) {
      for (size_t h = 0; h < parts; ++h) {
        const auto [w, a] = load(i + j * lanes + h * 8);
        acc[j][h] = hn::MulAdd(w, a, acc[j][h]);
      }
    }
  }
  alignas(32) float sum[16];
  for (size_t h = 0; h < parts; ++h) {
    const VF v = hn::Add(hn::Add(acc[0][h], acc[2][h]), hn::Add(acc[1][h], acc[3][h]));
    hn::Store(v, df, sum + 8 * h);
  }
  return reduce_lanes(profile, sum);
}

float DotF32(CpuProfile profile, const std::byte* row, const float* x, size_t n) {
  const DF df;
  const auto* w = reinterpret_cast<const float*>(row);
  const size_t body = n - n % float_dot_step(profile);
  const size_t fused_from = n - fused_tail(profile, n - body);
  float sum = FloatBody(profile, body, [&](size_t e) {
    return std::pair{hn::LoadU(df, w + e), hn::LoadU(df, x + e)};
  });
  for (size_t i = body; i < fused_from; ++i) sum += w[i] * x[i];
  for (size_t i = fused_from; i < n; ++i) sum = std::fma(w[i], x[i], sum);
  return sum;
}

float DotF16(CpuProfile profile, const std::byte* row, const uint16_t* x, size_t n) {
  const DF df;
  const DH dh;
  const auto* w = reinterpret_cast<const hwy::float16_t*>(row);
  const auto* a = reinterpret_cast<const hwy::float16_t*>(x);
  const size_t body = n - n % float_dot_step(profile);
  double sum = FloatBody(profile, body, [&](size_t e) {
    return std::pair{hn::PromoteTo(df, hn::LoadU(dh, w + e)),
                     hn::PromoteTo(df, hn::LoadU(dh, a + e))};
  });
  for (size_t i = body; i < n; ++i) {
    uint16_t wi;
    std::memcpy(&wi, row + 2 * i, 2);
    sum += static_cast<double>(gguf::fp16_to_fp32(wi) * gguf::fp16_to_fp32(x[i]));
  }
  return static_cast<float>(sum);
}

// float_dot.hpp's dot_f32_order (f16 = false) or dot_f16_order (true) on f32 spans.
float FloatDot(CpuProfile profile, bool f16, const float* a, const float* b, size_t n) {
  if (!f16) return DotF32(profile, reinterpret_cast<const std::byte*>(a), b, n);
  const DF df;
  const size_t body = n - n % float_dot_step(profile);
  double sum = FloatBody(profile, body, [&](size_t e) {
    return std::pair{hn::LoadU(df, a + e), hn::LoadU(df, b + e)};
  });
  for (size_t i = body; i < n; ++i) sum += static_cast<double>(a[i] * b[i]);
  return static_cast<float>(sum);
}

// out[i] = the f16 h[i] widened to f32 (exact).
void HalfToFloat(const uint16_t* h, float* out, size_t n) {
  const DF df;
  const DH dh;
  const auto* src = reinterpret_cast<const hwy::float16_t*>(h);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) hn::StoreU(hn::PromoteTo(df, hn::LoadU(dh, src + i)), df, out + i);
  for (; i < n; ++i) out[i] = F16(h[i]);
}

float DotRow(const RowsTask& t, const std::byte* row) {
  const Activation& x = *t.x;
  const bool repacked = t.order == DotOrder::Repacked;
  const auto n = static_cast<size_t>(x.size());
  switch (t.type) {
    case GgmlType::F32:
      return DotF32(t.profile, row, x.f32().data(), n);
    case GgmlType::F16:
      return DotF16(t.profile, row, x.half().data(), n);
    case GgmlType::Q4_0:
      return repacked ? DotQ4_0Repacked(row, x.q8_0().data(), x.q8_0().size())
                      : DotQ8_0Family<gguf::BlockQ4_0>(row, x.q8_0().data(), x.q8_0().size());
    case GgmlType::Q5_0:
      return DotQ8_0Family<gguf::BlockQ5_0>(row, x.q8_0().data(), x.q8_0().size());
    case GgmlType::Q8_0:
      return DotQ8_0Family<gguf::BlockQ8_0>(row, x.q8_0().data(), x.q8_0().size());
    case GgmlType::Q4_1:
      return DotQ8_1Family<gguf::BlockQ4_1>(row, x.q8_1().data(), x.q8_1().size());
    case GgmlType::Q5_1:
      return DotQ8_1Family<gguf::BlockQ5_1>(row, x.q8_1().data(), x.q8_1().size());
    case GgmlType::Q2_K:
      return repacked ? DotKRepacked<GgmlType::Q2_K, gguf::BlockQ2_K>(row, x.q8_k().data(),
                                                                      x.q8_k().size())
                      : DotKVecDot<GgmlType::Q2_K, gguf::BlockQ2_K>(row, x.q8_k().data(),
                                                                    x.q8_k().size());
    case GgmlType::Q3_K:
      return DotKVecDotX86<GgmlType::Q3_K, gguf::BlockQ3_K>(row, x.q8_k().data(), x.q8_k().size());
    case GgmlType::Q4_K:
      return repacked ? DotKRepacked<GgmlType::Q4_K, gguf::BlockQ4_K>(row, x.q8_k().data(),
                                                                      x.q8_k().size())
                      : DotKVecDot<GgmlType::Q4_K, gguf::BlockQ4_K>(row, x.q8_k().data(),
                                                                    x.q8_k().size());
    case GgmlType::Q5_K:
      return DotKVecDot<GgmlType::Q5_K, gguf::BlockQ5_K>(row, x.q8_k().data(), x.q8_k().size());
    case GgmlType::Q6_K:
      return DotKVecDotX86<GgmlType::Q6_K, gguf::BlockQ6_K>(row, x.q8_k().data(), x.q8_k().size());
    default:  // BF16: the scalar emulation (no SIMD form)
      return dot_row(t.type, t.order, t.profile, {row, t.row_bytes}, x);
  }
}

// The bytes the SIMD kernels read the task's rows from: the interleaved copy when there is one
// (its tail rows are verbatim at their row-major offsets), else the file's layout.
const std::byte* RowsBase(const RowsTask& t) {
  return t.interleaved != nullptr ? t.interleaved : t.data;
}

// Where block b + 1 of a group's rows starts after block b: one block further in each row of the
// file's layout, 8 blocks further in the interleaved Q4_K layout (q4_Kx8).
size_t Q4_KBlockStep(const RowsTask& t) {
  return t.interleaved != nullptr ? 8 * sizeof(gguf::BlockQ4_K) : sizeof(gguf::BlockQ4_K);
}
size_t Q4_KRowStride(const RowsTask& t) {
  return t.interleaved != nullptr ? sizeof(gguf::BlockQ4_K) : t.row_bytes;
}

// Groups of 8 rows in the Repacked order (rows8-inl.hpp); returns the first row not done.
int64_t DotRowGroups(const RowsTask& t) {
  const Activation& x = *t.x;
  const int64_t limit = std::max(t.rows, t.row_end);
  int64_t r = t.row_begin;
  for (; r + 8 <= t.row_end; r += 8) {
    const std::byte* row0 = RowsBase(t) + static_cast<size_t>(r) * t.row_bytes;
    // The next group (prefetched) may lie past this task's rows but not past the matrix.
    const std::byte* next = row0 + 8 * t.row_bytes;
    const std::byte* next_end = r + 16 <= limit ? next + 8 * t.row_bytes : next;
    if (t.type == GgmlType::Q4_0 && t.interleaved != nullptr) {
      Q4_0Rows8(Q4_0Interleaved{row0, x.q8_0().size()}, x.q8_0().data(), t.q8_0_sums, t.q8_0_d,
                x.q8_0().size(), t.y + r, next, next_end);
    } else if (t.type == GgmlType::Q4_0) {
      Q4_0Rows8(Q4_0Strided{row0, t.row_bytes}, x.q8_0().data(), t.q8_0_sums, t.q8_0_d,
                x.q8_0().size(), t.y + r, next, next_end);
    } else {
      Q4_KRows8(row0, Q4_KRowStride(t), Q4_KBlockStep(t), x.q8_k().data(), x.q8_k().size(), t.y + r,
                next, next_end);
    }
  }
  return r;
}

void DotRows(const RowsTask& task_in) {
  RowsTask task = task_in;
  // Interleaved Q4_0 groups need the 8-row kernel, which needs the activation's block sums.
  if (task.type == GgmlType::Q4_0 && (task.q8_0_sums == nullptr || task.q8_0_d == nullptr)) {
    task.interleaved = nullptr;
  }
  int64_t r = task.row_begin;
  if (task.order == DotOrder::Repacked &&
      ((task.type == GgmlType::Q4_0 && task.q8_0_sums != nullptr && task.q8_0_d != nullptr) ||
       task.type == GgmlType::Q4_K)) {
    r = DotRowGroups(task);
  }
  for (; r < task.row_end; ++r) {
    task.y[r] = DotRow(task, RowsBase(task) + static_cast<size_t>(r) * task.row_bytes);
  }
}

// The same rows of several tasks (one per prompt token, same weights and range): Repacked Q4_0 /
// Q4_K decode each block of 8 rows once, Q3_K / Q6_K each super-block once, for all tokens;
// other types run each task's rows in turn.
void DotRowsBatch(const RowsTask* tasks, size_t n) {
  const RowsTask& t = tasks[0];
  if (t.order == DotOrder::Repacked &&
      ((t.type == GgmlType::Q4_0 && t.q8_0_sums != nullptr && t.q8_0_d != nullptr) ||
       t.type == GgmlType::Q4_K)) {
    const int64_t limit = std::max(t.rows, t.row_end);
    int64_t r = t.row_begin;
#if HWY_TARGET == HWY_AVX3_DL
    // Two groups at once in 512-bit vectors (rows16-inl.hpp).
    for (; r + 16 <= t.row_end; r += 16) {
      const std::byte* row0 = RowsBase(t) + static_cast<size_t>(r) * t.row_bytes;
      const std::byte* row8 = row0 + 8 * t.row_bytes;
      // The next two groups (fewer at the matrix's end), prefetched as in the 8-row loop below.
      const std::byte* next = row0 + 16 * t.row_bytes;
      const std::byte* next_end =
          next +
          static_cast<size_t>(std::clamp<int64_t>(limit - (r + 16), 0, 16) / 8 * 8) * t.row_bytes;
      if (t.type == GgmlType::Q4_0 && t.interleaved != nullptr) {
        const size_t blocks = t.x->q8_0().size();
        Q4_0Rows16Batch(Q4_0Interleaved{row0, blocks}, Q4_0Interleaved{row8, blocks}, tasks, n, r,
                        next, next_end);
      } else if (t.type == GgmlType::Q4_0) {
        Q4_0Rows16Batch(Q4_0Strided{row0, t.row_bytes}, Q4_0Strided{row8, t.row_bytes}, tasks, n, r,
                        next, next_end);
      } else {
        Q4_KRows16Batch(row0, row8, Q4_KRowStride(t), Q4_KBlockStep(t), tasks, n, r, next,
                        next_end);
      }
    }
#endif
    for (; r + 8 <= t.row_end; r += 8) {
      const std::byte* row0 = RowsBase(t) + static_cast<size_t>(r) * t.row_bytes;
      const std::byte* next = row0 + 8 * t.row_bytes;
      const std::byte* next_end = r + 16 <= limit ? next + 8 * t.row_bytes : next;
      if (t.type == GgmlType::Q4_0 && t.interleaved != nullptr) {
        Q4_0Rows8Batch(Q4_0Interleaved{row0, t.x->q8_0().size()}, tasks, n, r);
      } else if (t.type == GgmlType::Q4_0) {
        Q4_0Rows8Batch(Q4_0Strided{row0, t.row_bytes}, tasks, n, r);
      } else {
        Q4_KRows8Batch(row0, Q4_KRowStride(t), Q4_KBlockStep(t), tasks, n, r, next, next_end);
      }
    }
    for (size_t i = 0; i < n && r < t.row_end; ++i) {  // a last group of fewer than 8 rows
      RowsTask tail = tasks[i];
      tail.row_begin = r;
      DotRows(tail);
    }
    return;
  }
  if (t.order == DotOrder::VecDot && (t.type == GgmlType::Q3_K || t.type == GgmlType::Q6_K)) {
    for (int64_t r = t.row_begin; r < t.row_end; ++r) {
      const std::byte* row = t.data + static_cast<size_t>(r) * t.row_bytes;
      if (t.type == GgmlType::Q3_K) {
        DotKVecDotBatch<GgmlType::Q3_K, gguf::BlockQ3_K>(row, tasks, n, r);
      } else {
        DotKVecDotBatch<GgmlType::Q6_K, gguf::BlockQ6_K>(row, tasks, n, r);
      }
    }
    return;
  }
  for (size_t i = 0; i < n; ++i) DotRows(tasks[i]);
}

#else  // no 256-bit vectors: the scalar reference

float FloatDot(CpuProfile profile, bool f16, const float* a, const float* b, size_t n) {
  return f16 ? dot_f16_order(profile, {a, n}, {b, n}) : dot_f32_order(profile, {a, n}, {b, n});
}

void HalfToFloat(const uint16_t* h, float* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = gguf::fp16_to_fp32(h[i]);
}

void DotRows(const RowsTask& task) {
  const int64_t rows = std::max(task.rows, task.row_end);
  const int64_t cols = task.x->size();
  const auto block_bytes = static_cast<size_t>(gguf::traits(task.type).block_bytes);
  const int64_t blocks = cols / gguf::traits(task.type).block_elems;
  std::vector<std::byte> copy(task.interleaved != nullptr ? task.row_bytes : 0);
  for (int64_t r = task.row_begin; r < task.row_end; ++r) {
    const std::byte* row = task.data + static_cast<size_t>(r) * task.row_bytes;
    if (task.interleaved != nullptr) {  // the row's blocks read back from the interleaved copy
      const std::span<const std::byte> packed{task.interleaved,
                                              static_cast<size_t>(rows) * task.row_bytes};
      for (int64_t b = 0; b < blocks; ++b) {
        interleaved_block(task.type, packed, rows, cols, r, b,
                          {copy.data() + static_cast<size_t>(b) * block_bytes, block_bytes});
      }
      row = copy.data();
    }
    task.y[r] = dot_row(task.type, task.order, task.profile, {row, task.row_bytes}, *task.x);
  }
}

void DotRowsBatch(const RowsTask* tasks, size_t n) {
  for (size_t i = 0; i < n; ++i) DotRows(tasks[i]);
}

#endif

}  // namespace HWY_NAMESPACE
}  // namespace etchsim::numerics::detail
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace etchsim::numerics::detail {

HWY_EXPORT(DotRows);
HWY_EXPORT(FloatDot);
HWY_EXPORT(DotRowsBatch);

void dot_rows_batch_fast(const RowsTask* tasks, size_t n) {
  HWY_DYNAMIC_DISPATCH(DotRowsBatch)(tasks, n);
}
HWY_EXPORT(HalfToFloat);

void half_to_float_fast(const uint16_t* h, float* out, size_t n) {
  HWY_DYNAMIC_DISPATCH(HalfToFloat)(h, out, n);
}

void dot_rows_fast(const RowsTask& task) { HWY_DYNAMIC_DISPATCH(DotRows)(task); }

}  // namespace etchsim::numerics::detail

namespace etchsim::numerics {

float dot_f32_fast(CpuProfile profile, std::span<const float> a, std::span<const float> b) {
  if (a.size() != b.size()) throw std::invalid_argument("float dot: operand sizes differ");
  return HWY_DYNAMIC_DISPATCH(detail::FloatDot)(profile, false, a.data(), b.data(), a.size());
}

float dot_f16_fast(CpuProfile profile, std::span<const float> a, std::span<const float> b) {
  if (a.size() != b.size()) throw std::invalid_argument("float dot: operand sizes differ");
  return HWY_DYNAMIC_DISPATCH(detail::FloatDot)(profile, true, a.data(), b.data(), a.size());
}

}  // namespace etchsim::numerics
#endif
