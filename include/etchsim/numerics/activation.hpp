// The activation row as a weight type's block dot product consumes it: ggml converts the f32
// activation once per matmul to the weight's vec_dot_type (docs/formats.md §4.1, §4.3).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "etchsim/gguf/blocks.hpp"
#include "etchsim/gguf/ggml_type.hpp"

namespace etchsim::numerics {

// True for the weight types numerics/ multiplies: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0,
// Q2_K, Q3_K, Q4_K, Q5_K, Q6_K.
bool is_supported_weight_type(gguf::GgmlType weight_type);

// ggml's vec_dot_type of a weight type (§4.1 table): F32 -> F32, F16 -> F16, BF16 -> BF16,
// Q4_0/Q5_0/Q8_0 -> Q8_0, Q4_1/Q5_1 -> Q8_1, Q2_K..Q6_K -> Q8_K.
// Throws std::invalid_argument for an unsupported weight type.
gguf::GgmlType vec_dot_type(gguf::GgmlType weight_type);

// One activation vector converted to vec_dot_type(weight_type), exactly as ggml's x86 CPU path
// does: fp16 / bf16 round-to-nearest-even, or the gguf activation quantisers (Q8_0, Q8_1, Q8_K).
class Activation {
 public:
  // x.size() must be a whole number of the weight type's blocks.
  Activation(gguf::GgmlType weight_type, std::span<const float> x);

  gguf::GgmlType type() const { return m_type; }  // the vec_dot_type
  int64_t size() const { return m_size; }         // elements

  std::span<const float> f32() const { return m_f32; }       // type F32
  std::span<const uint16_t> half() const { return m_half; }  // type F16 or BF16 (bits)
  std::span<const gguf::BlockQ8_0> q8_0() const { return m_q8_0; }
  std::span<const gguf::BlockQ8_1> q8_1() const { return m_q8_1; }
  std::span<const gguf::BlockQ8_K> q8_k() const { return m_q8_k; }

 private:
  gguf::GgmlType m_type;
  int64_t m_size;
  std::vector<float> m_f32;
  std::vector<uint16_t> m_half;
  std::vector<gguf::BlockQ8_0> m_q8_0;
  std::vector<gguf::BlockQ8_1> m_q8_1;
  std::vector<gguf::BlockQ8_K> m_q8_k;
};

}  // namespace etchsim::numerics
