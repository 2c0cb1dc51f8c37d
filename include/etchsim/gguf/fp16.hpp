// Conversions between binary32 and binary16 / bfloat16, rounding to nearest-even as ggml's
// CPU path does (F16C cvtps_ph imm 0; GGML_FP32_TO_BF16) — docs/formats.md §4.3.
#pragma once

#include <cstdint>

namespace etchsim::gguf {

float fp16_to_fp32(uint16_t h);
uint16_t fp32_to_fp16(float f);  // RNE, overflow to inf, NaN stays NaN
float bf16_to_fp32(uint16_t h);
uint16_t fp32_to_bf16(float f);  // RNE; NaN -> (bits >> 16) | 0x40

}  // namespace etchsim::gguf
