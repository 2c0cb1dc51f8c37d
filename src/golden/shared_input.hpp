// Internal to golden/: one activation vector feeding several matrices (Q/K/V, gate/up). ggml
// converts the f32 input once per matmul to the weight's vec_dot_type (ggml-formats.md §4.1);
// the conversion is deterministic, so matrices of the same vec_dot_type share one conversion.
#pragma once

#include <span>
#include <vector>

#include "etchsim/model/llama_model.hpp"
#include "etchsim/numerics/activation.hpp"
#include "etchsim/numerics/matvec.hpp"

namespace etchsim::golden::detail {

inline numerics::WeightMatrix weight_matrix(const model::TensorView& t) {
  return numerics::WeightMatrix{t.type, t.rows, t.cols, t.data};
}

class SharedInput {
 public:
  explicit SharedInput(std::span<const float> x) : m_x(x) {}

  // y = W x with the profile's llama.cpp order for W (numerics::default_dot_order).
  void matvec(const model::TensorView& w, std::span<float> y, numerics::CpuProfile profile,
              numerics::Kernel kernel) {
    const numerics::WeightMatrix m = weight_matrix(w);
    numerics::matvec(m, prepared(w.type), y, numerics::default_dot_order(m.type, m.rows, profile),
                     profile, kernel);
  }

 private:
  const numerics::Activation& prepared(gguf::GgmlType weight_type) {
    const gguf::GgmlType want = numerics::vec_dot_type(weight_type);
    for (const numerics::Activation& a : m_prepared) {
      if (a.type() == want) return a;
    }
    return m_prepared.emplace_back(weight_type, m_x);
  }

  std::span<const float> m_x;
  std::vector<numerics::Activation> m_prepared;  // at most a few vec_dot_types
};

}  // namespace etchsim::golden::detail
