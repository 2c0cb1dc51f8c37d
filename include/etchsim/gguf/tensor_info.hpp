// One tensor's entry in a GGUF file (docs/formats.md §1.1).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "etchsim/gguf/ggml_type.hpp"

namespace etchsim::gguf {

inline constexpr int kMaxDims = 4;           // GGML_MAX_DIMS
inline constexpr size_t kMaxNameBytes = 63;  // GGML_MAX_NAME (64) less the NUL

struct TensorInfo {
  std::string name;
  GgmlType type = GgmlType::F32;
  uint32_t n_dims = 1;
  std::array<int64_t, kMaxDims> ne{1, 1, 1, 1};  // ne[0] is the row length
  uint64_t offset = 0;                           // relative to the data section, as stored
  uint64_t file_offset = 0;                      // absolute: data section start + offset
  uint64_t nbytes = 0;

  int64_t n_elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
  int64_t n_rows() const { return ne[1] * ne[2] * ne[3]; }
};

}  // namespace etchsim::gguf
