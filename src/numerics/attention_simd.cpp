// One KV head's query heads (attention_group.hpp) on SIMD (Highway, dynamic dispatch), every bit
// as the reference order of attention.hpp computes it. With L = simd_lanes(profile), the
// reference's dot of n elements keeps 4L accumulator slots: element i goes into slot i % 4L in
// increasing i, then the slots are reduced (s_l + s_2L+l) + (s_L+l + s_3L+l) and the L lanes by
// reduce_lanes (float_dot.hpp). Here:
//  * q.k: each cell's K row is decoded in place (I8: fl(q * d) lane by lane; F16: widened
//    exactly) once for the group's query heads, and dotted in that order;
//  * p.v: the reference dots, for each d, V[.][d] over the n_kv cells. Slot k of that dot sums
//    cells k, k + 4L, ... in order; here one slot's cells are streamed with d across the SIMD
//    lanes (each lane its own d, the same fma sequence), for up to 4 query heads at once, then
//    the slots are reduced lane-wise over d. n_kv is a multiple of 4L, so no dot has a tail;
//    padded cells (V zero) still take their fma with p, as in the reference (it turns a -0 sum
//    into +0).
// Every fma is one rounding (hn::MulAdd where the target has FMA, std::fma lane by lane where
// not), so any target gives the same bits.
#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS (HWY_SSSE3 | HWY_SSE4)  // no FMA: they would only be slower
#endif

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "../src/numerics/attention_simd.cpp"  // found through include/
#include <hwy/foreach_target.h>                                  // IWYU pragma: keep
// clang-format off
#include <hwy/highway.h>
// clang-format on

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "attention_group.hpp"
#include "etchsim/gguf/fp16.hpp"
#include "etchsim/numerics/float_dot.hpp"
#include "etchsim/numerics/softmax.hpp"

HWY_BEFORE_NAMESPACE();
namespace etchsim::numerics::detail {
namespace HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;

using DF = hn::CappedTag<float, 8>;
using VF = hn::Vec<DF>;
using DI32 = hn::RebindToSigned<DF>;
using DI8 = hn::Rebind<int8_t, DF>;
using DH = hn::Rebind<hwy::float16_t, DF>;
using D1 = hn::CappedTag<float, 1>;
using DH1 = hn::Rebind<hwy::float16_t, D1>;

constexpr size_t kN = hn::MaxLanes(DF());  // f32 lanes of one vector here
constexpr size_t kHeadsPerPass = 4;        // p.v accumulators: 4 heads x 2 vectors

// fl(a * b + c) with one rounding in every lane.
HWY_INLINE VF Fma(VF a, VF b, VF c) {
#if HWY_NATIVE_FMA
  return hn::MulAdd(a, b, c);
#else
  const DF df;
  float x[kN], y[kN], z[kN];
  hn::StoreU(a, df, x);
  hn::StoreU(b, df, y);
  hn::StoreU(c, df, z);
  for (size_t i = 0; i < kN; ++i) z[i] = std::fma(x[i], y[i], z[i]);
  return hn::LoadU(df, z);
#endif
}

// reduce_lanes (float_dot.hpp) of kLanes values, on floats or lane-wise on vectors.
template <size_t kLanes, class T>
HWY_INLINE T ReduceLanes(const T* v) {
  if constexpr (kLanes == 16) {  // reduce_add16: a halving tree 8, 4, 2, 1
    T t8[8], t4[4];
    for (size_t i = 0; i < 8; ++i) t8[i] = v[i + 8] + v[i];
    for (size_t i = 0; i < 4; ++i) t4[i] = t8[i + 4] + t8[i];
    return (t4[0] + t4[2]) + (t4[1] + t4[3]);
  } else {  // reduce_hadd8: lo128 + hi128, then hadd twice
    T t[4];
    for (size_t i = 0; i < 4; ++i) t[i] = v[i] + v[i + 4];
    return (t[0] + t[1]) + (t[2] + t[3]);
  }
}

// The stored rows of one KV head, read as f32.
template <KvType kType>
class Rows {
 public:
  Rows(const KvRows& rows, size_t head_dim) : m_rows(rows), m_hd(head_dim) {}

  // Elements [e, e + kN) of row `cell`.
  HWY_INLINE VF Load(size_t cell, size_t e) const {
    const DF df;
    const size_t at = cell * m_hd + e;
    if constexpr (kType == KvType::F32) {
      return hn::LoadU(df, m_rows.f32 + at);
    } else if constexpr (kType == KvType::F16) {
      return hn::PromoteTo(df, hn::LoadU(DH(), Half(at)));
    } else {
      const VF q = hn::ConvertTo(df, hn::PromoteTo(DI32(), hn::LoadU(DI8(), m_rows.i8 + at)));
      return hn::Mul(q, hn::Set(df, m_rows.scale[cell]));
    }
  }

  // Element e of row `cell`.
  HWY_INLINE float At(size_t cell, size_t e) const {
    const size_t at = cell * m_hd + e;
    if constexpr (kType == KvType::F32) {
      return m_rows.f32[at];
    } else if constexpr (kType == KvType::F16) {
      return hn::GetLane(hn::PromoteTo(D1(), hn::LoadU(DH1(), Half(at))));
    } else {
      return static_cast<float>(m_rows.i8[at]) * m_rows.scale[cell];
    }
  }

 private:
  const hwy::float16_t* Half(size_t at) const {
    return reinterpret_cast<const hwy::float16_t*>(m_rows.f16) + at;
  }

  KvRows m_rows;
  size_t m_hd;
};

// dot_f32_order (kF16 false) or dot_f16_order (true) of n elements (float_dot.hpp).
template <size_t kLanes, bool kF16>
HWY_INLINE float Dot(CpuProfile profile, const float* a, const float* b, size_t n) {
  constexpr size_t kParts = kLanes / kN;
  const DF df;
  const size_t body = n - n % (4 * kLanes);
  VF acc[4][kParts];
  for (auto& row : acc) {
    for (VF& v : row) v = hn::Zero(df);
  }
  for (size_t i = 0; i < body; i += 4 * kLanes) {
    for (size_t j = 0; j < 4; ++j) {
      for (size_t h = 0; h < kParts; ++h) {
        const size_t e = i + j * kLanes + h * kN;
        acc[j][h] = Fma(hn::LoadU(df, a + e), hn::LoadU(df, b + e), acc[j][h]);
      }
    }
  }
  float lanes[kLanes];
  for (size_t h = 0; h < kParts; ++h) {
    const VF v = hn::Add(hn::Add(acc[0][h], acc[2][h]), hn::Add(acc[1][h], acc[3][h]));
    hn::StoreU(v, df, lanes + h * kN);
  }
  const float sum = ReduceLanes<kLanes>(lanes);
  if constexpr (kF16) {
    double wide = sum;
    for (size_t i = body; i < n; ++i) wide += static_cast<double>(a[i] * b[i]);
    return static_cast<float>(wide);
  } else {
    float narrow = sum;
    const size_t fused_from = n - fused_tail(profile, n - body);
    for (size_t i = body; i < fused_from; ++i) narrow += a[i] * b[i];
    for (size_t i = fused_from; i < n; ++i) narrow = std::fma(a[i], b[i], narrow);
    return narrow;
  }
}

// scores[h * n_kv + c] = fl(q_h . K_c * scale), -inf for the padded cells.
template <size_t kLanes, KvType kType>
void Scores(const AttentionGroup& g, const float* query, float* row, float* scores) {
  const DF df;
  const Rows<kType> keys(g.k, g.head_dim);
  const size_t hd = g.head_dim;
  const size_t vec_end = hd - hd % kN;
  for (size_t c = 0; c < g.n_pos; ++c) {
    for (size_t e = 0; e < vec_end; e += kN) hn::StoreU(keys.Load(c, e), df, row + e);
    for (size_t e = vec_end; e < hd; ++e) row[e] = keys.At(c, e);
    for (size_t h = 0; h < g.heads; ++h) {
      const float dot = Dot<kLanes, kType == KvType::F16>(g.profile, row, query + h * hd, hd);
      scores[h * g.n_kv + c] = dot * g.scale;
    }
  }
  for (size_t h = 0; h < g.heads; ++h) {
    std::fill(scores + h * g.n_kv + g.n_pos, scores + (h + 1) * g.n_kv,
              -std::numeric_limits<float>::infinity());
  }
}

// slots[(h * 4L + k) * hd + d] = slot k of the p.v dot of head h at d: the fma over cells
// k, k + 4L, ... < n_kv of V[c][d] * p_h[c] (V of padded cells zero).
template <size_t kLanes, KvType kType, size_t kHeads>
void Slots(const AttentionGroup& g, const float* probs, float* slots) {
  constexpr size_t kStep = 4 * kLanes;
  const DF df;
  const Rows<kType> values(g.v, g.head_dim);
  const size_t hd = g.head_dim, n_kv = g.n_kv;
  const size_t vec_end = hd - hd % (2 * kN);
  for (size_t k = 0; k < kStep; ++k) {
    for (size_t e = 0; e < vec_end; e += 2 * kN) {
      VF acc[kHeads][2];
      for (auto& a : acc) a[0] = a[1] = hn::Zero(df);
      size_t c = k;
      for (; c < g.n_pos; c += kStep) {
        const VF v0 = values.Load(c, e), v1 = values.Load(c, e + kN);
        for (size_t h = 0; h < kHeads; ++h) {
          const VF p = hn::Set(df, probs[h * n_kv + c]);
          acc[h][0] = Fma(v0, p, acc[h][0]);
          acc[h][1] = Fma(v1, p, acc[h][1]);
        }
      }
      for (; c < n_kv; c += kStep) {
        for (size_t h = 0; h < kHeads; ++h) {
          const VF p = hn::Set(df, probs[h * n_kv + c]);
          acc[h][0] = Fma(hn::Zero(df), p, acc[h][0]);
          acc[h][1] = Fma(hn::Zero(df), p, acc[h][1]);
        }
      }
      for (size_t h = 0; h < kHeads; ++h) {
        float* out = slots + (h * kStep + k) * hd + e;
        hn::StoreU(acc[h][0], df, out);
        hn::StoreU(acc[h][1], df, out + kN);
      }
    }
    for (size_t e = vec_end; e < hd; ++e) {
      for (size_t h = 0; h < kHeads; ++h) {
        float acc = 0.0f;
        for (size_t c = k; c < n_kv; c += kStep) {
          acc = std::fma(c < g.n_pos ? values.At(c, e) : 0.0f, probs[h * n_kv + c], acc);
        }
        slots[(h * kStep + k) * hd + e] = acc;
      }
    }
  }
}

// out[d] = the reduction of the 4L slots at d (vector_body's acc0 + acc2, acc1 + acc3, then
// their sum, then reduce_lanes), lane-wise over d.
template <size_t kLanes>
void ReduceSlots(const float* slots, size_t hd, float* out) {
  const DF df;
  const auto at = [slots, hd](size_t k, size_t e) { return slots + k * hd + e; };
  const size_t vec_end = hd - hd % kN;
  for (size_t e = 0; e < vec_end; e += kN) {
    VF r[kLanes];
    for (size_t l = 0; l < kLanes; ++l) {
      const VF a02 = hn::Add(hn::LoadU(df, at(l, e)), hn::LoadU(df, at(2 * kLanes + l, e)));
      const VF a13 =
          hn::Add(hn::LoadU(df, at(kLanes + l, e)), hn::LoadU(df, at(3 * kLanes + l, e)));
      r[l] = hn::Add(a02, a13);
    }
    hn::StoreU(ReduceLanes<kLanes>(r), df, out + e);
  }
  for (size_t e = vec_end; e < hd; ++e) {
    float r[kLanes];
    for (size_t l = 0; l < kLanes; ++l) {
      r[l] = (*at(l, e) + *at(2 * kLanes + l, e)) + (*at(kLanes + l, e) + *at(3 * kLanes + l, e));
    }
    out[e] = ReduceLanes<kLanes>(r);
  }
}

template <size_t kLanes, KvType kType>
void SlotsFor(size_t heads, const AttentionGroup& g, const float* probs, float* slots) {
  switch (heads) {
    case 1:
      return Slots<kLanes, kType, 1>(g, probs, slots);
    case 2:
      return Slots<kLanes, kType, 2>(g, probs, slots);
    case 3:
      return Slots<kLanes, kType, 3>(g, probs, slots);
    default:
      return Slots<kLanes, kType, 4>(g, probs, slots);
  }
}

float RoundF16(float v) { return gguf::fp16_to_fp32(gguf::fp32_to_fp16(v)); }

// Per-thread buffers, grown to the largest group seen: no allocation per call after the first.
struct Scratch {
  std::vector<float> query, row, scores, slots;
};

template <size_t kLanes, KvType kType>
void Group(const AttentionGroup& g) {
  thread_local Scratch s;
  const size_t hd = g.head_dim;
  s.query.resize(g.heads * hd);
  s.row.resize(hd);
  s.scores.resize(g.heads * g.n_kv);
  s.slots.resize(kHeadsPerPass * 4 * kLanes * hd);
  for (size_t i = 0; i < g.heads * hd; ++i) {  // F16 cache: Q converted to its vec_dot_type
    s.query[i] = kType == KvType::F16 ? RoundF16(g.q[i]) : g.q[i];
  }
  Scores<kLanes, kType>(g, s.query.data(), s.row.data(), s.scores.data());
  for (size_t h = 0; h < g.heads; ++h) {
    const std::span<float> probs(s.scores.data() + h * g.n_kv, g.n_kv);
    softmax(g.profile, probs);
    if constexpr (kType == KvType::F16) {
      for (float& p : probs) p = RoundF16(p);
    }
  }
  for (size_t h0 = 0; h0 < g.heads; h0 += kHeadsPerPass) {
    const size_t n = std::min(kHeadsPerPass, g.heads - h0);
    SlotsFor<kLanes, kType>(n, g, s.scores.data() + h0 * g.n_kv, s.slots.data());
    for (size_t h = 0; h < n; ++h) {
      ReduceSlots<kLanes>(s.slots.data() + h * 4 * kLanes * hd, hd, g.out + (h0 + h) * hd);
    }
  }
}

template <KvType kType>
void GroupFor(const AttentionGroup& g) {
  if (simd_lanes(g.profile) == 16) {
    Group<16, kType>(g);
  } else {
    Group<8, kType>(g);
  }
}

void AttendGroup(const AttentionGroup& g) {
  switch (g.k.type) {
    case KvType::F32:
      return GroupFor<KvType::F32>(g);
    case KvType::F16:
      return GroupFor<KvType::F16>(g);
    case KvType::I8:
      return GroupFor<KvType::I8>(g);
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace etchsim::numerics::detail
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace etchsim::numerics::detail {

HWY_EXPORT(AttendGroup);

void attend_group_fast(const AttentionGroup& group) { HWY_DYNAMIC_DISPATCH(AttendGroup)(group); }

}  // namespace etchsim::numerics::detail
#endif
