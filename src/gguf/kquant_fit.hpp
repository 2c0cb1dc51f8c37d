// The scale searches behind ggml's reference K-quant quantisers (ggml-quants.c, used by
// llama-quantize when no importance matrix is given). Reproduced operation for operation in
// float, in ggml's order, because llama-quantize's output bytes are the oracle: a reordered sum
// or a fused multiply-add would change a code now and then (docs/quantize.md).
#pragma once

#include <cstdint>
#include <cstring>

namespace etchsim::gguf::detail {

// Sub-blocks whose largest magnitude is below this quantise to all zeros (ggml's
// GROUP_MAX_EPS).
inline constexpr float kGroupMaxEps = 1e-15f;

// ggml's nearest_int: round half to even through the float mantissa (adding 1.5 * 2^23 puts
// the integer in the low mantissa bits). Valid for |v| <= 4194303; callers clamp afterwards.
inline int nearest_int(float v) {
  const float shifted = v + 12582912.0f;
  int32_t bits = 0;
  std::memcpy(&bits, &shifted, sizeof bits);
  return (bits & 0x007fffff) - 0x00400000;
}

// make_qx_quants with weights x^2 (rmse_type 1, no importance matrix): symmetric codes
// L[i] + nmax in [0, 2 nmax) for n values, trying 19 scales around nmax/max; returns the
// least-squares scale of the best try (0 for an all-zero group).
float fit_symmetric_weighted(int n, int nmax, const float* x, int8_t* L);

// make_q3_quants with do_rmse: codes L[i] + nmax, refined by up to five passes of single-code
// moves that raise (sum w x l)^2 / sum w l^2 with w = x^2; returns the least-squares scale.
float fit_q3(int n, int nmax, const float* x, int8_t* L);

// make_qkx2_quants (use_mad false): asymmetric fit x ~ scale * L - min with L in [0, nmax],
// weighted, over nstep + 1 scale candidates; writes the (non-negative) min to *the_min.
float fit_asymmetric(int n, int nmax, const float* x, const float* weights, uint8_t* L,
                     float* the_min, uint8_t* Laux, float rmin, float rdelta, int nstep);

}  // namespace etchsim::gguf::detail
