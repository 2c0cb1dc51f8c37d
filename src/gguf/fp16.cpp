#include "etchsim/gguf/fp16.hpp"

#include "fp16_inline.hpp"

namespace etchsim::gguf {

float fp16_to_fp32(uint16_t h) { return detail::fp16_to_fp32_inline(h); }
uint16_t fp32_to_fp16(float f) { return detail::fp32_to_fp16_inline(f); }
float bf16_to_fp32(uint16_t h) { return detail::bf16_to_fp32_inline(h); }
uint16_t fp32_to_bf16(float f) { return detail::fp32_to_bf16_inline(f); }

}  // namespace etchsim::gguf
