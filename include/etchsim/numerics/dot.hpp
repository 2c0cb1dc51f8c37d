// One weight row times one prepared activation: the block dot products of every supported weight
// type, with exact int32 sums inside a block and a fixed fp32 accumulation order (docs/formats.md
// §4.4, §4.5). This is the scalar reference; matvec.hpp has the fast (SIMD, threaded) kernels,
// which give bit-identical results.
//
// Orders (DotOrder::VecDot, ggml's n = 1 vec_dot; the integer kernels are ggml's AVX2 ones, which
// both profiles (profile.hpp) run; only the float weights depend on the profile):
//  * Q4_0, Q5_0, Q8_0: per 32-block 8 int32 lanes, lane L = sum of elements 4L..4L+3 of q*a;
//    acc_L = fma(fl(dx*dy), lane_L, acc_L) over blocks; result = hsum8(acc).
//  * Q4_1, Q5_1: the same lanes and fma, plus summs = fma(m, s, summs) (we assume GCC contracts
//    ggml's `summs += m*s`, as it contracts RoPE's lines, §5.3 [bin]); hsum8(acc) + summs.
//  * K-quants, 8 int32 lanes per super-block: lane L = sum over 32-element chunks c of
//    scale(2c + L/4) * (sum of elements 32c+4L..32c+4L+3 of q*a), scale per 16 elements.
//    - Q2_K: acc_L = fma(-fl(D*dmin), m(2L)*bsums(2L) + m(2L+1)*bsums(2L+1), acc_L), then
//      acc_L = fma(fl(D*d), lane_L, acc_L); hsum8(acc). (Lane composition is our choice: §4.5
//      leaves it open; this is the maddubs/madd layout of ggml's AVX2 kernel.)
//    - Q3_K: acc_L = fma(fl(D*d), lane_L, acc_L); hsum8(acc). (Lanes: our choice, as Q2_K.)
//    - Q4_K: as Q3_K plus 4 min lanes accm_k = fma(-fl(D*dmin), M_k, accm_k) with
//      M_k = m(2k)*S(2k) + m(2k+1)*S(2k+1); hsum8(acc) + ((accm0+accm2) + (accm1+accm3)).
//    - Q5_K: as Q4_K, but mins in summs = fma(-fl(D*dmin), sum_s m(s)*S(s), summs).
//    - Q6_K: lane_L uses u = q+32 and subtracts 32*(sc(2L)*bsums(2L) + sc(2L+1)*bsums(2L+1)).
//  * F32: ggml_vec_dot_f32, F16: ggml_vec_dot_f16, as float_dot.hpp documents per profile
//    (EPR 8 with the hadd sum on Haswell, EPR 16 with _mm512_reduce_add_ps on Zen4).
//  * BF16, Haswell (AVX2 path of ggml_vec_dot_bf16): 4 accumulators of 8 lanes, step 32, each
//    lane adding its exact product (fma), reduced (acc0+acc2) + (acc1+acc3), then hsum8, widened
//    to double; tail products added in double.
//  * BF16, Zen4: vdpbf16ps: two 16-lane accumulators per 64-element step, each lane adding the
//    odd then the even product of its pair (denormals flushed, as the instruction does); each
//    accumulator reduced by reduce_add16 and added into a double, tail in double.
//
// DotOrder::Repacked is ggml's CPU_REPACK gemv (§4.5 "Repacked"), no lanes, one accumulator:
//  * Q4_0: acc = fma((float)sum_e (q-8)*a, fl(dw*da), acc) over blocks.
//  * Q4_K: acc = fma((float)sum_s sc_s*sum q*a, fl(dw*da), acc);
//          accm = fma((float)sum_s m_s*S_s, fl(dminw*da), accm); result = acc - accm.
//  * Q2_K (Zen4 only): as Q4_K with 16 sub-blocks (sc & 15, min sc >> 4 times bsums). The
//    AVX-512 q2_K repack kernel is unverified (§8 "Not verified"); this follows the q4_K form.
// Note llama.cpp differs for n >= 2 activation rows on F32/F16/BF16 (tinyBLAS, one
// accumulator); etchsim's golden model evaluates one token at a time, i.e. n = 1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "etchsim/gguf/ggml_type.hpp"
#include "etchsim/numerics/activation.hpp"
#include "etchsim/numerics/profile.hpp"

namespace etchsim::numerics {

enum class Kernel { Scalar, Fast };

enum class DotOrder { VecDot, Repacked };

// The order the profile's llama.cpp CPU back end uses for a 2-D weight with `rows` rows (ne1):
// CPU_REPACK takes Q4_0 and Q4_K (both profiles) and Q2_K (Zen4 only, it needs AVX-512) when
// rows % 8 == 0 (§4.2 step 1); every other weight uses vec_dot.
DotOrder default_dot_order(gguf::GgmlType weight_type, int64_t rows, CpuProfile profile);

// True if `order` is defined for the weight type (VecDot always; Repacked for Q4_0, Q4_K, Q2_K).
bool has_dot_order(gguf::GgmlType weight_type, DotOrder order);

// Scalar reference: the dot of one weight row (row_bytes(type, x.size()) bytes) with `x`,
// whose type must be vec_dot_type(weight_type).
// The profile decides the F32 / F16 / BF16 forms.
float dot_row(gguf::GgmlType weight_type, DotOrder order, CpuProfile profile,
              std::span<const std::byte> row, const Activation& x);

}  // namespace etchsim::numerics
