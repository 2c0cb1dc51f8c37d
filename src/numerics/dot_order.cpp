// Which float accumulation order llama.cpp uses for a weight (ggml-formats.md §4.2 step 1).
#include "etchsim/numerics/dot.hpp"

namespace etchsim::numerics {

using gguf::GgmlType;

bool has_dot_order(GgmlType weight_type, DotOrder order) {
  if (order == DotOrder::VecDot) return is_supported_weight_type(weight_type);
  return weight_type == GgmlType::Q4_0 || weight_type == GgmlType::Q4_K ||
         weight_type == GgmlType::Q2_K;
}

DotOrder default_dot_order(GgmlType weight_type, int64_t rows) {
  // CPU_REPACK on the AVX-512 (zen4) host: q4_0 8x8, q4_K 8x8 (AVX2) and q2_K 8x8 (AVX-512)
  // when ne1 % 8 == 0.
  return has_dot_order(weight_type, DotOrder::Repacked) && rows % 8 == 0 ? DotOrder::Repacked
                                                                         : DotOrder::VecDot;
}

}  // namespace etchsim::numerics
