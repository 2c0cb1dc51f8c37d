// Which float accumulation order llama.cpp uses for a weight (docs/formats.md §4.2 step 1).
#include "etchsim/numerics/dot.hpp"

namespace etchsim::numerics {

using gguf::GgmlType;

bool has_dot_order(GgmlType weight_type, DotOrder order) {
  if (order == DotOrder::VecDot) return is_supported_weight_type(weight_type);
  return weight_type == GgmlType::Q4_0 || weight_type == GgmlType::Q4_K ||
         weight_type == GgmlType::Q2_K;
}

DotOrder default_dot_order(GgmlType weight_type, int64_t rows, CpuProfile profile) {
  // CPU_REPACK (ggml_repack_get_optimal_repack_type): q4_0 8x8 and q4_K 8x8 need AVX2, q2_K 8x8
  // needs AVX-512; all of them ne1 % 8 == 0.
  const bool repacks = weight_type == GgmlType::Q2_K
                           ? profile == CpuProfile::Zen4
                           : has_dot_order(weight_type, DotOrder::Repacked);
  return repacks && rows % 8 == 0 ? DotOrder::Repacked : DotOrder::VecDot;
}

}  // namespace etchsim::numerics
