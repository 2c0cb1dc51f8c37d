// GGUF v2/v3 reader. The file is memory-mapped and tensor data is handed out zero-copy. A GGUF
// file is untrusted input: every count, length, offset and dimension is checked against the
// file size with overflow-safe arithmetic before use; failures throw GgufError naming the
// file, the byte offset and the problem.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "etchsim/gguf/error.hpp"
#include "etchsim/gguf/tensor_info.hpp"
#include "etchsim/gguf/value.hpp"

namespace etchsim::gguf {

inline constexpr uint64_t kDefaultAlignment = 32;  // GGUF_DEFAULT_ALIGNMENT
// tensor_data() always returns bytes at an address aligned to this: a tensor the file places
// lower (general.alignment 1, 2, ... or caller bytes at an odd address) is read from an aligned
// copy, so floats, fp16 values and blocks are never read at misaligned addresses.
inline constexpr uint64_t kTensorDataAlignment = 32;

class GgufFile {
 public:
  // Maps and parses a file.
  static GgufFile open(const std::filesystem::path& path);
  // Parses bytes held by the caller (they must outlive the GgufFile); `name` is used in errors.
  static GgufFile parse(std::span<const std::byte> bytes, std::string name);

  GgufFile(GgufFile&&) noexcept;
  GgufFile& operator=(GgufFile&&) noexcept;
  ~GgufFile();

  const std::string& name() const { return m_name; }
  uint32_t version() const { return m_version; }
  uint64_t alignment() const { return m_alignment; }
  uint64_t data_offset() const { return m_data_offset; }
  uint64_t file_size() const { return m_bytes.size(); }

  // Metadata in file order.
  const std::vector<std::pair<std::string, Value>>& metadata() const { return m_metadata; }
  const Value* find(std::string_view key) const;
  bool has(std::string_view key) const { return find(key) != nullptr; }

  // Typed accessors: throw GgufError naming the key and the expected and actual type when the
  // key is missing or has another type.
  const Value& get(std::string_view key) const;
  uint32_t get_u32(std::string_view key) const;
  int32_t get_i32(std::string_view key) const;
  uint64_t get_u64(std::string_view key) const;
  float get_f32(std::string_view key) const;
  bool get_bool(std::string_view key) const;
  const std::string& get_string(std::string_view key) const;
  const Array& get_array(std::string_view key) const;

  const std::vector<TensorInfo>& tensors() const { return m_tensors; }
  const TensorInfo* find_tensor(std::string_view name) const;
  const TensorInfo& tensor(std::string_view name) const;  // throws GgufError when absent
  std::span<const std::byte> tensor_data(const TensorInfo& info) const;
  // Tells the system that `bytes` (from tensor_data) are not needed for now: the pages of the
  // file's mapping they touch leave the process's resident set, and a later read of them (of
  // these bytes or of neighbouring ones on the same pages) maps them again with the same contents.
  // Does nothing for bytes not mapped from the file (a file parsed from caller bytes, aligned
  // copies). For a reader that has copied a tensor elsewhere (golden's interleaved weights), so
  // that its file pages and its copy are not both resident.
  void release_pages(std::span<const std::byte> bytes) const;

 private:
  GgufFile() = default;
  void parse_all();
  void align_tensor_data();

  struct Mapping;
  std::unique_ptr<Mapping> m_mapping;  // owns the mmap when opened from a path
  std::span<const std::byte> m_bytes;
  std::string m_name;
  uint32_t m_version = 0;
  uint64_t m_alignment = kDefaultAlignment;
  uint64_t m_data_offset = 0;
  std::vector<std::pair<std::string, Value>> m_metadata;
  std::unordered_map<std::string, size_t> m_key_index;
  std::vector<TensorInfo> m_tensors;
  std::unordered_map<std::string, size_t> m_tensor_index;
  // Aligned copies of the tensors whose bytes in the file are not aligned (at most the file's
  // size: tensors are disjoint and lie within it), and per tensor its copy (empty: none).
  struct alignas(kTensorDataAlignment) AlignedChunk {
    std::byte bytes[kTensorDataAlignment];
  };
  std::vector<AlignedChunk> m_aligned;
  std::vector<std::span<const std::byte>> m_tensor_copy;
};

}  // namespace etchsim::gguf
