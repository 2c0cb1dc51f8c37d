// Scalar reference of every block dot product; the orders are documented in dot.hpp
// (docs/formats.md §4.4, §4.5).
#include <cmath>
#include <stdexcept>
#include <string>

#include "block_decode.hpp"
#include "etchsim/gguf/fp16.hpp"
#include "etchsim/numerics/dot.hpp"
#include "etchsim/numerics/float_dot.hpp"
#include "float_rows.hpp"
#include "hsum.hpp"
#include "kquant_terms.hpp"

namespace etchsim::numerics {
namespace {

using gguf::GgmlType;
using namespace detail;

constexpr int kLanes = 8;

// Lane L = sum of w*a over elements 4L..4L+3 of a 32-element chunk (maddubs + madd).
void chunk_lanes(const int8_t* w, const int8_t* a, int32_t* lanes) {
  for (int lane = 0; lane < kLanes; ++lane) {
    int32_t sum = 0;
    for (int t = 4 * lane; t < 4 * lane + 4; ++t) sum += w[t] * a[t];
    lanes[lane] = sum;
  }
}

// K-quant lanes: lane L = sum over chunks c of sc(2c + L/4) * chunk lane L.
void k_lanes(const DecodedK& k, const int8_t* a, int32_t* lanes) {
  for (int lane = 0; lane < kLanes; ++lane) lanes[lane] = 0;
  for (int c = 0; c < kQKK / kQK; ++c) {
    int32_t chunk[kLanes];
    chunk_lanes(k.w + kQK * c, a + kQK * c, chunk);
    for (int lane = 0; lane < kLanes; ++lane) lanes[lane] += k.sc[2 * c + lane / 4] * chunk[lane];
  }
}

template <class Block>
float dot_q8_0_family(const std::byte* row, std::span<const gguf::BlockQ8_0> act) {
  float acc[kLanes] = {};
  for (size_t b = 0; b < act.size(); ++b) {
    Decoded32 x;
    decode(load_block<Block>(row + b * sizeof(Block)), x);
    const float c = x.d * gguf::fp16_to_fp32(act[b].d);
    int32_t lanes[kLanes];
    chunk_lanes(x.w, act[b].qs, lanes);
    for (int l = 0; l < kLanes; ++l) acc[l] = std::fma(c, static_cast<float>(lanes[l]), acc[l]);
  }
  return hsum8(acc);
}

template <class Block>
float dot_q8_1_family(const std::byte* row, std::span<const gguf::BlockQ8_1> act) {
  float acc[kLanes] = {};
  float summs = 0.0f;
  for (size_t b = 0; b < act.size(); ++b) {
    Decoded32 x;
    decode(load_block<Block>(row + b * sizeof(Block)), x);
    summs = std::fma(x.m, gguf::fp16_to_fp32(act[b].s), summs);
    const float c = x.d * gguf::fp16_to_fp32(act[b].d);
    int32_t lanes[kLanes];
    chunk_lanes(x.w, act[b].qs, lanes);
    for (int l = 0; l < kLanes; ++l) acc[l] = std::fma(c, static_cast<float>(lanes[l]), acc[l]);
  }
  return hsum8(acc) + summs;
}

float dot_q4_0_repacked(const std::byte* row, std::span<const gguf::BlockQ8_0> act) {
  float acc = 0.0f;
  for (size_t b = 0; b < act.size(); ++b) {
    Decoded32 x;
    decode(load_block<gguf::BlockQ4_0>(row + b * sizeof(gguf::BlockQ4_0)), x);
    int32_t sum = 0;
    for (int e = 0; e < kQK; ++e) sum += x.w[e] * act[b].qs[e];
    acc = std::fma(static_cast<float>(sum), x.d * gguf::fp16_to_fp32(act[b].d), acc);
  }
  return acc;
}

template <GgmlType kType, class Block>
float dot_k_vecdot(const std::byte* row, std::span<const gguf::BlockQ8_K> act) {
  float acc[kLanes] = {};
  float accm[4] = {};
  float summs = 0.0f;
  for (size_t b = 0; b < act.size(); ++b) {
    DecodedK k;
    decode(load_block<Block>(row + b * sizeof(Block)), k);
    const gguf::BlockQ8_K& y = act[b];
    const float dall = y.d * k.d;
    const float dmin = -(y.d * k.dmin);
    int32_t lanes[kLanes];
    k_lanes(k, y.qs, lanes);
    if constexpr (kType == GgmlType::Q2_K) {
      for (int l = 0; l < kLanes; ++l) {
        acc[l] = std::fma(dmin, static_cast<float>(q2k_min_lane(k, y.bsums, l)), acc[l]);
      }
    } else if constexpr (kType == GgmlType::Q4_K) {
      for (int l = 0; l < 4; ++l) {
        accm[l] = std::fma(dmin, static_cast<float>(q4k_min_lane(k, y.bsums, l)), accm[l]);
      }
    } else if constexpr (kType == GgmlType::Q5_K) {
      summs = std::fma(dmin, static_cast<float>(k4_min_total(k, y.bsums)), summs);
    } else if constexpr (kType == GgmlType::Q6_K) {
      for (int l = 0; l < kLanes; ++l) lanes[l] += q6k_lane_offset(k, y.bsums, l);
    }
    for (int l = 0; l < kLanes; ++l) acc[l] = std::fma(dall, static_cast<float>(lanes[l]), acc[l]);
  }
  if constexpr (kType == GgmlType::Q4_K)
    return hsum8(acc) + ((accm[0] + accm[2]) + (accm[1] + accm[3]));
  if constexpr (kType == GgmlType::Q5_K) return hsum8(acc) + summs;
  return hsum8(acc);
}

template <GgmlType kType, class Block>
float dot_k_repacked(const std::byte* row, std::span<const gguf::BlockQ8_K> act) {
  float acc = 0.0f;
  float accm = 0.0f;
  for (size_t b = 0; b < act.size(); ++b) {
    DecodedK k;
    decode(load_block<Block>(row + b * sizeof(Block)), k);
    const gguf::BlockQ8_K& y = act[b];
    const int32_t mins =
        kType == GgmlType::Q2_K ? q2k_min_total(k, y.bsums) : k4_min_total(k, y.bsums);
    acc = std::fma(static_cast<float>(k_scaled_total(k, y.qs)), k.d * y.d, acc);
    accm = std::fma(static_cast<float>(mins), k.dmin * y.d, accm);
  }
  return acc - accm;
}

}  // namespace

float dot_row(GgmlType type, DotOrder order, CpuProfile profile, std::span<const std::byte> row,
              const Activation& x) {
  if (!has_dot_order(type, order) || x.type() != vec_dot_type(type) ||
      row.size() != gguf::row_bytes(type, x.size())) {
    throw std::invalid_argument("dot_row: weight type " + std::string(gguf::traits(type).name) +
                                " does not match the activation, the order or the row size");
  }
  const std::byte* p = row.data();
  const bool repacked = order == DotOrder::Repacked;
  switch (type) {
    case GgmlType::F32:
      return dot_f32_order(profile, load_f32_row(p, x.size()), x.f32());
    case GgmlType::F16:
      return dot_f16_row(profile, p, x.half());
    case GgmlType::BF16:
      return dot_bf16_row(profile, p, x.half());
    case GgmlType::Q4_0:
      return repacked ? dot_q4_0_repacked(p, x.q8_0())
                      : dot_q8_0_family<gguf::BlockQ4_0>(p, x.q8_0());
    case GgmlType::Q5_0:
      return dot_q8_0_family<gguf::BlockQ5_0>(p, x.q8_0());
    case GgmlType::Q8_0:
      return dot_q8_0_family<gguf::BlockQ8_0>(p, x.q8_0());
    case GgmlType::Q4_1:
      return dot_q8_1_family<gguf::BlockQ4_1>(p, x.q8_1());
    case GgmlType::Q5_1:
      return dot_q8_1_family<gguf::BlockQ5_1>(p, x.q8_1());
    case GgmlType::Q2_K:
      return repacked ? dot_k_repacked<GgmlType::Q2_K, gguf::BlockQ2_K>(p, x.q8_k())
                      : dot_k_vecdot<GgmlType::Q2_K, gguf::BlockQ2_K>(p, x.q8_k());
    case GgmlType::Q3_K:
      return dot_k_vecdot<GgmlType::Q3_K, gguf::BlockQ3_K>(p, x.q8_k());
    case GgmlType::Q4_K:
      return repacked ? dot_k_repacked<GgmlType::Q4_K, gguf::BlockQ4_K>(p, x.q8_k())
                      : dot_k_vecdot<GgmlType::Q4_K, gguf::BlockQ4_K>(p, x.q8_k());
    case GgmlType::Q5_K:
      return dot_k_vecdot<GgmlType::Q5_K, gguf::BlockQ5_K>(p, x.q8_k());
    case GgmlType::Q6_K:
      return dot_k_vecdot<GgmlType::Q6_K, gguf::BlockQ6_K>(p, x.q8_k());
    default:
      throw std::invalid_argument("dot_row: unsupported weight type");
  }
}

}  // namespace etchsim::numerics
