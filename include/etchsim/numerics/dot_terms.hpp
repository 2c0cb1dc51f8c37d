// A block dot product (dot.hpp) split the way etchsim's hard-wired datapath computes it
// (docs/rtl.md): first integers, then fp32 steps.
//
// Integers. Every weight is a raw code (the bits a cell stores: Q4_0's nibble 0..15, Q3_K's
// 3-bit 0..7, Q8_0's byte read as two's complement, Q6_K's u = q + 32 ...). The elements of a
// block are summed in groups of `group_elems` consecutive elements, code x activation; a group's
// sum gets `code_offset` x (its activation sum) (the -8 of Q4_0, the -4 of Q3_K: the offset a
// cell does not hold) and, for K-quants, is multiplied by its 16-element sub-block's scale; each
// group lands in one integer lane of its block (`lanes` per block: ggml's 8 AVX2 lanes in the
// VecDot order, 1 in the Repacked order). K-quants with activation-sum terms add, per 16-element
// sub-block, multiplier x (sum of its activation codes) to a main lane (Q6_K's -32 x scale) or to
// one of `min_lanes` min lanes (Q4_K's mins). Every integer is exact, so any adder tree that
// forms the same sums gives the same lanes: these are the values `dot_row_terms` returns and the
// RTL's integer stages are checked against.
//
// Fp32 steps, per block in order: c = fl(d_w x d_a); acc_l = fma(c, (float)lane_l, acc_l);
// for min lanes cm = fl(dmin_w x d_a) (negated in the VecDot order) and accm_l = fma(cm,
// (float)min_l, accm_l). At the end: VecDot hsum8(acc) (+ ((accm0+accm2)+(accm1+accm3)) for
// Q4_K); Repacked acc (- accm for Q4_K). `dot_row_from_terms` runs them; both equal dot_row bit
// for bit (tests/numerics/test_dot_terms.cpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "etchsim/gguf/ggml_type.hpp"
#include "etchsim/numerics/activation.hpp"
#include "etchsim/numerics/dot.hpp"

namespace etchsim::numerics {

// Where a sub-block's activation-sum term goes.
enum class SubBlockTerm {
  None,
  MainLane,  // Q6_K: -32 x scale(s) x asum(s) into main lane s / 2
  MinLane,   // Q4_K: min(s / 2) x asum(s) into min lane s / 4 (VecDot) or 0 (Repacked)
};

struct DotForm {
  int block_elems = 0;         // 32 or 256
  int lanes = 0;               // integer lanes per block: 8 (VecDot) or 1 (Repacked)
  int min_lanes = 0;           // 4 (Q4_K VecDot), 1 (Q4_K Repacked), 0
  int group_elems = 0;         // consecutive elements summed before offset and scale
  int code_bits = 0;           // raw code width: 3, 4, 5, 6 or 8
  bool signed_code = false;    // the raw code is two's complement (Q8_0)
  int code_offset = 0;         // added to every code: -8 (Q4_0), -16 (Q5_0), -4 (Q3_K), 0
  bool scaled_groups = false;  // K-quants: group sum x its sub-block scale
  SubBlockTerm sub_block_term = SubBlockTerm::None;
};

// The form of (type, order), or nullopt where etchsim's RTL does not build the type: supported
// are Q4_0 (both orders), Q5_0, Q8_0, Q3_K, Q6_K (VecDot) and Q4_K (both orders).
std::optional<DotForm> dot_form(gguf::GgmlType weight_type, DotOrder order);

// One weight block as the hardware holds it.
struct BlockCodes {
  std::array<uint8_t, 256> code{};           // raw codes, block_elems of them
  std::array<int32_t, 16> group_scale{};     // per 16-element sub-block (K-quants), else unused
  std::array<int32_t, 16> sub_block_mult{};  // the SubBlockTerm multiplier per sub-block
  float d = 0;                               // block scale
  float dmin = 0;                            // min scale (Q4_K)
};
// Decodes block `block` (bytes of one block of the type). Throws std::invalid_argument for a
// type without a DotForm.
BlockCodes decode_block_codes(gguf::GgmlType weight_type, std::span<const std::byte> block);

// The signed value a raw code stands for (before code_offset).
int32_t raw_code_value(const DotForm& form, uint32_t code);

// Activation codes and block scales as the datapath receives them from the quantiser.
struct ActivationCodes {
  std::vector<int8_t> q;       // one int8 code per element
  std::vector<float> d;        // one scale per activation block (Q8_0: 32, Q8_K: 256)
  std::vector<uint32_t> bits;  // the same scales as they travel: fp16 bits (Q8_0), fp32 (Q8_K)
};
// Throws std::invalid_argument for an activation that is not Q8_0 or Q8_K.
ActivationCodes activation_codes(const Activation& x);

// The integer terms of one row: per block, `lanes` main lanes then `min_lanes` min lanes.
std::vector<int32_t> dot_row_terms(gguf::GgmlType weight_type, DotOrder order,
                                   std::span<const std::byte> row, const Activation& x);
// The fp32 steps over those terms. dot_row_from_terms(t, o, row, x, dot_row_terms(t, o, row, x))
// == dot_row(t, o, profile, row, x) for every supported (t, o).
float dot_row_from_terms(gguf::GgmlType weight_type, DotOrder order, std::span<const std::byte> row,
                         const Activation& x, std::span<const int32_t> terms);

}  // namespace etchsim::numerics
