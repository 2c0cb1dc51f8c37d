// Test helper: emits raw GGUF bytes field by field (docs/formats.md §1.1), independently of
// the writer, so tests can craft any file — valid, foreign-ordered or deliberately broken.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "etchsim/gguf/error.hpp"
#include "etchsim/gguf/reader.hpp"

namespace etchsim::gguf::testing {

// GGUF value-type ids (§1.2), spelled out here so tests do not depend on the code under test.
enum RawType : int32_t {
  kU8 = 0,
  kI8 = 1,
  kU16 = 2,
  kI16 = 3,
  kU32 = 4,
  kI32 = 5,
  kF32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kU64 = 10,
  kI64 = 11,
  kF64 = 12,
};

class RawGguf {
 public:
  template <typename T>
  RawGguf& put(T v) {
    const auto* p = reinterpret_cast<const std::byte*>(&v);
    m_bytes.insert(m_bytes.end(), p, p + sizeof(T));
    return *this;
  }
  RawGguf& u8(uint8_t v) { return put(v); }
  RawGguf& u32(uint32_t v) { return put(v); }
  RawGguf& i32(int32_t v) { return put(v); }
  RawGguf& u64(uint64_t v) { return put(v); }
  RawGguf& i64(int64_t v) { return put(v); }
  RawGguf& f32(float v) { return put(v); }
  RawGguf& raw(std::string_view s) {
    const auto* p = reinterpret_cast<const std::byte*>(s.data());
    m_bytes.insert(m_bytes.end(), p, p + s.size());
    return *this;
  }
  RawGguf& str(std::string_view s) { return u64(s.size()).raw(s); }
  RawGguf& zeros(size_t n) {
    m_bytes.insert(m_bytes.end(), n, std::byte{0});
    return *this;
  }
  RawGguf& pad_to(uint64_t alignment) {
    return zeros(static_cast<size_t>((alignment - m_bytes.size() % alignment) % alignment));
  }
  RawGguf& fill(size_t n, uint8_t value) {
    m_bytes.insert(m_bytes.end(), n, std::byte{value});
    return *this;
  }

  // Magic, version, n_tensors, n_kv.
  RawGguf& header(int64_t n_tensors, int64_t n_kv, uint32_t version = 3) {
    return raw("GGUF").u32(version).i64(n_tensors).i64(n_kv);
  }
  RawGguf& kv_u32(std::string_view key, uint32_t v) { return str(key).i32(kU32).u32(v); }
  RawGguf& kv_u64(std::string_view key, uint64_t v) { return str(key).i32(kU64).u64(v); }
  RawGguf& kv_f32(std::string_view key, float v) { return str(key).i32(kF32).f32(v); }
  RawGguf& kv_str(std::string_view key, std::string_view v) { return str(key).i32(kString).str(v); }
  // Tensor info: name, n_dims, ne..., type id, offset.
  RawGguf& tensor(std::string_view name, std::vector<int64_t> ne, int32_t type, uint64_t offset) {
    str(name).u32(static_cast<uint32_t>(ne.size()));
    for (int64_t n : ne) i64(n);
    return i32(type).u64(offset);
  }

  size_t size() const { return m_bytes.size(); }
  const std::vector<std::byte>& bytes() const { return m_bytes; }

 private:
  std::vector<std::byte> m_bytes;
};

inline GgufFile parse(const std::vector<std::byte>& bytes) {
  return GgufFile::parse(std::span(bytes), "test.gguf");
}

// A small valid file: metadata of several types, a Q4_0 tensor (18 bytes, padded to 32) and
// an F32 tensor whose 64 bytes end the file exactly, so every proper prefix is invalid.
inline std::vector<std::byte> small_valid_file() {
  RawGguf f;
  f.header(2, 4)
      .kv_str("general.architecture", "llama")
      .kv_u32("llama.block_count", 2)
      .kv_f32("llama.attention.layer_norm_rms_epsilon", 1e-5f)
      .str("tokenizer.ggml.tokens")
      .i32(kArray)
      .i32(kString)
      .u64(3)
      .str("a")
      .str("")
      .str("bc")
      .tensor("blk.0.q", {32}, 2, 0)
      .tensor("blk.0.norm", {8, 2}, 0, 32)
      .pad_to(32)
      .fill(18, 0x11)
      .zeros(14)
      .fill(64, 0x22);
  return f.bytes();
}

}  // namespace etchsim::gguf::testing
