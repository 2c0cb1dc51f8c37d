// Internal: decoding and validation of GGUF tensor infos (docs/formats.md §1.1, §1.3 items 8-11).
#pragma once

#include <cstdint>
#include <vector>

#include "byte_cursor.hpp"
#include "etchsim/gguf/tensor_info.hpp"

namespace etchsim::gguf {

// The fewest bytes one tensor info occupies: 1-byte name, one dimension.
inline constexpr uint64_t kMinTensorInfoBytes = 8 + 1 + 4 + 8 + 4 + 8;

struct ParsedTensorInfo {
  TensorInfo info;
  uint64_t start;      // file offset of the entry, for error messages
  uint64_t offset_at;  // file offset of its `offset` field
};

// Reads one tensor info and checks its name, shape, type and byte size; `offset` and
// `file_offset` are left for check_tensor_layout.
ParsedTensorInfo read_tensor_info(ByteCursor& in);

// Sets file_offset = data_offset + offset and checks every tensor's alignment, that its bytes
// lie within the file and that no two tensors overlap. Offsets need not be contiguous.
void check_tensor_layout(ByteCursor& in, std::vector<ParsedTensorInfo>& tensors,
                         uint64_t data_offset, uint64_t alignment);

}  // namespace etchsim::gguf
