// The integer / fp32 split of the block dot products (dot_terms.hpp). The lanes follow dot.hpp's
// orders; this file restates them in the hardware's terms (raw codes, group offsets, sub-block
// terms) and tests/numerics/test_dot_terms.cpp checks the split against dot_row bit for bit.
#include "etchsim/numerics/dot_terms.hpp"

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "block_decode.hpp"
#include "etchsim/gguf/fp16.hpp"
#include "hsum.hpp"

namespace etchsim::numerics {
namespace {

using gguf::GgmlType;
using namespace detail;

[[noreturn]] void unsupported(GgmlType type) {
  throw std::invalid_argument("weight type " + std::string(gguf::traits(type).name) +
                              " has no hard-wired RTL form (supported: Q4_0, Q5_0, Q8_0, Q3_K, "
                              "Q4_K, Q6_K)");
}

DotForm form_or_throw(GgmlType type, DotOrder order) {
  const auto f = dot_form(type, order);
  if (!f) unsupported(type);
  return *f;
}

template <class Block>
Block block_at(std::span<const std::byte> bytes) {
  if (bytes.size() < sizeof(Block)) throw std::invalid_argument("weight block too short");
  return load_block<Block>(bytes.data());
}

void legacy_codes(const Decoded32& x, int offset, BlockCodes& out) {
  for (int e = 0; e < kQK; ++e) out.code[e] = static_cast<uint8_t>(x.w[e] - offset);
  out.d = x.d;
}

}  // namespace

std::optional<DotForm> dot_form(GgmlType type, DotOrder order) {
  const bool vecdot = order == DotOrder::VecDot;
  DotForm f;
  f.lanes = vecdot ? 8 : 1;
  switch (type) {
    case GgmlType::Q4_0:
      f.block_elems = 32;
      f.group_elems = vecdot ? 4 : 32;
      f.code_bits = 4;
      f.code_offset = -8;
      return f;
    case GgmlType::Q5_0:
    case GgmlType::Q8_0:
      if (!vecdot) return std::nullopt;
      f.block_elems = 32;
      f.group_elems = 4;
      f.code_bits = type == GgmlType::Q5_0 ? 5 : 8;
      f.signed_code = type == GgmlType::Q8_0;
      f.code_offset = type == GgmlType::Q5_0 ? -16 : 0;
      return f;
    case GgmlType::Q3_K:
    case GgmlType::Q6_K:
      if (!vecdot) return std::nullopt;
      f.block_elems = 256;
      f.group_elems = 4;
      f.code_bits = type == GgmlType::Q3_K ? 3 : 6;
      f.code_offset = type == GgmlType::Q3_K ? -4 : 0;
      f.scaled_groups = true;
      f.sub_block_term = type == GgmlType::Q6_K ? SubBlockTerm::MainLane : SubBlockTerm::None;
      return f;
    case GgmlType::Q4_K:
      f.block_elems = 256;
      f.group_elems = vecdot ? 4 : 16;
      f.min_lanes = vecdot ? 4 : 1;
      f.code_bits = 4;
      f.scaled_groups = true;
      f.sub_block_term = SubBlockTerm::MinLane;
      return f;
    default:
      return std::nullopt;
  }
}

BlockCodes decode_block_codes(GgmlType type, std::span<const std::byte> bytes) {
  BlockCodes out;
  Decoded32 x{};
  DecodedK k{};
  switch (type) {
    case GgmlType::Q4_0:
      decode(block_at<gguf::BlockQ4_0>(bytes), x);
      legacy_codes(x, -8, out);
      return out;
    case GgmlType::Q5_0:
      decode(block_at<gguf::BlockQ5_0>(bytes), x);
      legacy_codes(x, -16, out);
      return out;
    case GgmlType::Q8_0:
      decode(block_at<gguf::BlockQ8_0>(bytes), x);
      legacy_codes(x, 0, out);
      return out;
    case GgmlType::Q3_K:
      decode(block_at<gguf::BlockQ3_K>(bytes), k);
      for (int e = 0; e < kQKK; ++e) out.code[e] = static_cast<uint8_t>(k.w[e] + 4);
      break;
    case GgmlType::Q4_K:
      decode(block_at<gguf::BlockQ4_K>(bytes), k);
      for (int e = 0; e < kQKK; ++e) out.code[e] = static_cast<uint8_t>(k.w[e]);
      for (int s = 0; s < 16; ++s) out.sub_block_mult[s] = k.mins[s / 2];
      break;
    case GgmlType::Q6_K:
      decode(block_at<gguf::BlockQ6_K>(bytes), k);
      for (int e = 0; e < kQKK; ++e) out.code[e] = static_cast<uint8_t>(k.w[e]);
      for (int s = 0; s < 16; ++s) out.sub_block_mult[s] = -32 * k.sc[s];
      break;
    default:
      unsupported(type);
  }
  for (int s = 0; s < 16; ++s) out.group_scale[s] = k.sc[s];
  out.d = k.d;
  out.dmin = k.dmin;
  return out;
}

int32_t raw_code_value(const DotForm& form, uint32_t code) {
  if (form.signed_code && (code & (1u << (form.code_bits - 1)))) {
    return static_cast<int32_t>(code) - (1 << form.code_bits);
  }
  return static_cast<int32_t>(code);
}

ActivationCodes activation_codes(const Activation& x) {
  ActivationCodes a;
  a.q.reserve(static_cast<size_t>(x.size()));
  if (x.type() == GgmlType::Q8_0) {
    for (const auto& b : x.q8_0()) {
      a.q.insert(a.q.end(), b.qs, b.qs + kQK);
      a.d.push_back(gguf::fp16_to_fp32(b.d));
      a.bits.push_back(b.d);
    }
  } else if (x.type() == GgmlType::Q8_K) {
    for (const auto& b : x.q8_k()) {
      a.q.insert(a.q.end(), b.qs, b.qs + kQKK);
      a.d.push_back(b.d);
      uint32_t bits = 0;
      std::memcpy(&bits, &b.d, 4);
      a.bits.push_back(bits);
    }
  } else {
    throw std::invalid_argument("activation_codes: the activation is not Q8_0 or Q8_K");
  }
  return a;
}

std::vector<int32_t> dot_row_terms(GgmlType type, DotOrder order, std::span<const std::byte> row,
                                   const Activation& x) {
  const DotForm f = form_or_throw(type, order);
  const ActivationCodes a = activation_codes(x);
  const size_t block_bytes = gguf::traits(type).block_bytes;
  const size_t blocks = a.q.size() / static_cast<size_t>(f.block_elems);
  if (row.size() != blocks * block_bytes) {
    throw std::invalid_argument("dot_row_terms: row size does not match the activation");
  }
  const int per_block = f.lanes + f.min_lanes;
  std::vector<int32_t> terms(blocks * static_cast<size_t>(per_block), 0);
  for (size_t b = 0; b < blocks; ++b) {
    const BlockCodes w = decode_block_codes(type, row.subspan(b * block_bytes, block_bytes));
    const int8_t* q = a.q.data() + b * static_cast<size_t>(f.block_elems);
    int32_t* lanes = terms.data() + b * static_cast<size_t>(per_block);
    for (int g = 0; g < f.block_elems / f.group_elems; ++g) {
      int32_t sum = 0;
      int32_t asum = 0;
      for (int e = g * f.group_elems; e < (g + 1) * f.group_elems; ++e) {
        sum += raw_code_value(f, w.code[e]) * q[e];
        asum += q[e];
      }
      sum += f.code_offset * asum;
      const int first = g * f.group_elems;
      if (f.scaled_groups) sum *= w.group_scale[first / 16];
      lanes[f.lanes == 8 ? (first % 32) / 4 : 0] += sum;
    }
    if (f.sub_block_term == SubBlockTerm::None) continue;
    for (int s = 0; s < 16; ++s) {
      int32_t asum = 0;
      for (int e = 16 * s; e < 16 * s + 16; ++e) asum += q[e];
      const int32_t term = w.sub_block_mult[s] * asum;
      if (f.sub_block_term == SubBlockTerm::MainLane) {
        lanes[s / 2] += term;
      } else {
        lanes[f.lanes + (f.min_lanes == 4 ? s / 4 : 0)] += term;
      }
    }
  }
  return terms;
}

float dot_row_from_terms(GgmlType type, DotOrder order, std::span<const std::byte> row,
                         const Activation& x, std::span<const int32_t> terms) {
  const DotForm f = form_or_throw(type, order);
  const ActivationCodes a = activation_codes(x);
  const size_t block_bytes = gguf::traits(type).block_bytes;
  const size_t blocks = a.d.size();
  const int per_block = f.lanes + f.min_lanes;
  if (terms.size() != blocks * static_cast<size_t>(per_block)) {
    throw std::invalid_argument("dot_row_from_terms: wrong number of terms");
  }
  float acc[8] = {};
  float accm[4] = {};
  const bool vecdot = order == DotOrder::VecDot;
  for (size_t b = 0; b < blocks; ++b) {
    const BlockCodes w = decode_block_codes(type, row.subspan(b * block_bytes, block_bytes));
    const int32_t* t = terms.data() + b * static_cast<size_t>(per_block);
    const float c = w.d * a.d[b];
    for (int l = 0; l < f.lanes; ++l) acc[l] = std::fma(c, static_cast<float>(t[l]), acc[l]);
    const float cm = vecdot ? -(w.dmin * a.d[b]) : w.dmin * a.d[b];
    for (int l = 0; l < f.min_lanes; ++l) {
      accm[l] = std::fma(cm, static_cast<float>(t[f.lanes + l]), accm[l]);
    }
  }
  if (!vecdot) return f.min_lanes == 1 ? acc[0] - accm[0] : acc[0];
  const float sum = hsum8(acc);
  return f.min_lanes == 4 ? sum + ((accm[0] + accm[2]) + (accm[1] + accm[3])) : sum;
}

}  // namespace etchsim::numerics
