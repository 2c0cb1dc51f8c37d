// GGUF v3 writer, laid out as gguf.cpp expects (docs/formats.md §1.1, §8.1):
// tensor offsets are the running padded sum in tensor order, zero padding after every tensor
// including the last. Tensor bytes come from a fill callback so multi-GB models stream to disk
// without being held in memory. The file is written to a temporary beside the target and
// renamed at the end: a failed write leaves nothing half-written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "etchsim/gguf/tensor_info.hpp"
#include "etchsim/gguf/value.hpp"

namespace etchsim::gguf {

class ByteSink;  // internal (src/gguf/byte_sink.hpp): a file or a memory buffer

// Fills `out` with the bytes of rows [row_begin, row_begin + out.size() / row_bytes) of the
// tensor. The writer may call it from several threads at once for disjoint row ranges.
using TensorFill = std::function<void(int64_t row_begin, std::span<std::byte> out)>;

class GgufWriter {
 public:
  explicit GgufWriter(uint32_t alignment = 32);

  // Adds a key; a duplicate or empty key throws std::invalid_argument. Setting
  // general.alignment here is not allowed: use the constructor.
  void set(std::string key, Value value);
  // Adds a tensor (ne as ggml orders it, ne[0] = row length, up to 4 dims).
  void add_tensor(std::string name, GgmlType type, std::vector<int64_t> ne, TensorFill fill);
  // Same, with the bytes given up front (copied).
  void add_tensor(std::string name, GgmlType type, std::vector<int64_t> ne,
                  std::vector<std::byte> bytes);

  // Writes the file (atomically via a temporary). `version` 2 or 3.
  void write(const std::filesystem::path& path, uint32_t version = 3) const;
  // Serialises to memory (for tests and small files).
  std::vector<std::byte> to_bytes(uint32_t version = 3) const;

  uint64_t total_bytes() const;  // file size that write() produces

 private:
  struct Entry {
    TensorInfo info;
    TensorFill fill;
  };
  // The header through the tensor infos, without the padding that follows.
  std::vector<std::byte> encode_header(uint32_t version) const;
  // The one serialisation path behind write() and to_bytes().
  void write_to(ByteSink& sink, const std::vector<std::byte>& header) const;

  uint32_t m_alignment;
  std::vector<std::pair<std::string, Value>> m_metadata;
  std::vector<Entry> m_tensors;
  uint64_t m_data_size = 0;
};

}  // namespace etchsim::gguf
