// ggml tensor element types: ids, block sizes and block bytes as ggml.h / ggml.c define them
// (docs/formats.md §2). A GGUF file stores the id as i32.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace etchsim::gguf {

enum class GgmlType : int32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
  MXFP4 = 39,
  NVFP4 = 40,
  Q1_0 = 41,
  Q2_0 = 42,
};

// GGML_TYPE_COUNT of the llama.cpp that node-llama-cpp 3.21.1 ships.
inline constexpr int32_t kGgmlTypeCount = 43;

struct TypeTraits {
  std::string_view name;     // ggml's own name, e.g. "q4_K"
  int64_t block_elems;       // elements per block
  int64_t block_bytes;       // bytes per block
  bool etchsim_dequantizes;  // etchsim can dequantize it (gguf/dequantize.hpp)
};

// Traits of a raw type id read from a file; nullopt for ids ggml does not know or removed
// (4, 5, 31-33, 36-38 have block size 0 and are rejected, as gguf.cpp does).
std::optional<TypeTraits> find_traits(int32_t id);
// Traits of a known type.
const TypeTraits& traits(GgmlType type);
// Case-insensitive lookup by ggml name ("q4_k", "Q4_K", "f16", ...).
std::optional<GgmlType> type_from_name(std::string_view name);

// Bytes of one row of ne0 elements; ne0 must be a multiple of the block size.
uint64_t row_bytes(GgmlType type, int64_t ne0);

}  // namespace etchsim::gguf
