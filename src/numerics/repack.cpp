// The interleaved layouts q4_0x8 and q4_Kx8 (repack.hpp).
#include "etchsim/numerics/repack.hpp"

#include <cstring>
#include <stdexcept>
#include <string>

#include "etchsim/gguf/blocks.hpp"

namespace etchsim::numerics {
namespace {

using gguf::GgmlType;

constexpr size_t kQuadBytes = 4;                                // codes of one quad of one row
constexpr size_t kCodeBytes = 8 * sizeof(gguf::BlockQ4_0::qs);  // one block of 8 rows: 128
constexpr size_t kScaleBytes = 8 * sizeof(gguf::f16_bits);      // 16

struct Shape {
  size_t block_bytes;
  size_t blocks;  // per row
  size_t row_bytes;
  size_t groups;
};

Shape check(GgmlType type, size_t bytes, int64_t rows, int64_t cols, const char* what) {
  if (type != GgmlType::Q4_0 && type != GgmlType::Q4_K) {
    throw std::invalid_argument(std::string("interleave: no interleaved layout for ") +
                                std::string(gguf::traits(type).name));
  }
  const int64_t block_elems = gguf::traits(type).block_elems;
  if (rows < 0 || cols < 0 || cols % block_elems != 0 ||
      bytes != gguf::row_bytes(type, cols) * static_cast<uint64_t>(rows)) {
    throw std::invalid_argument(std::string("interleave: ") + what + " does not hold " +
                                std::to_string(rows) + " rows of " + std::to_string(cols) + " " +
                                std::string(gguf::traits(type).name));
  }
  const auto blocks = static_cast<size_t>(cols / block_elems);
  const auto block_bytes = static_cast<size_t>(gguf::traits(type).block_bytes);
  return {block_bytes, blocks, blocks * block_bytes, static_cast<size_t>(rows) / 8};
}

// Block b of row r (< 8) of a group at `group`, in the layout of `type`: where its bytes go.
void scatter_q4_0(const std::byte* block, std::byte* group, const Shape& s, size_t r, size_t b) {
  std::byte* scales = group + s.blocks * kCodeBytes;
  std::memcpy(scales + kScaleBytes * b + 2 * r, block + offsetof(gguf::BlockQ4_0, d), 2);
  for (size_t k = 0; k < 4; ++k) {
    std::memcpy(group + kCodeBytes * b + 32 * k + kQuadBytes * r,
                block + offsetof(gguf::BlockQ4_0, qs) + kQuadBytes * k, kQuadBytes);
  }
}

void gather_q4_0(const std::byte* group, const Shape& s, size_t r, size_t b, std::byte* block) {
  const std::byte* scales = group + s.blocks * kCodeBytes;
  std::memcpy(block + offsetof(gguf::BlockQ4_0, d), scales + kScaleBytes * b + 2 * r, 2);
  for (size_t k = 0; k < 4; ++k) {
    std::memcpy(block + offsetof(gguf::BlockQ4_0, qs) + kQuadBytes * k,
                group + kCodeBytes * b + 32 * k + kQuadBytes * r, kQuadBytes);
  }
}

}  // namespace

bool has_interleaved_layout(GgmlType type, DotOrder order) {
  return (type == GgmlType::Q4_0 || type == GgmlType::Q4_K) && order == DotOrder::Repacked;
}

void interleave_rows8(GgmlType type, std::span<const std::byte> in, int64_t rows, int64_t cols,
                      std::span<std::byte> out) {
  const Shape s = check(type, in.size(), rows, cols, "input");
  check(type, out.size(), rows, cols, "output");
  for (size_t g = 0; g < s.groups; ++g) {
    const std::byte* src = in.data() + g * 8 * s.row_bytes;
    std::byte* group = out.data() + g * 8 * s.row_bytes;
    for (size_t b = 0; b < s.blocks; ++b) {
      for (size_t r = 0; r < 8; ++r) {
        const std::byte* block = src + r * s.row_bytes + b * s.block_bytes;
        if (type == GgmlType::Q4_0) {
          scatter_q4_0(block, group, s, r, b);
        } else {
          std::memcpy(group + (8 * b + r) * s.block_bytes, block, s.block_bytes);
        }
      }
    }
  }
  const size_t tail = s.groups * 8 * s.row_bytes;
  std::memcpy(out.data() + tail, in.data() + tail, in.size() - tail);
}

void interleaved_block(GgmlType type, std::span<const std::byte> packed, int64_t rows, int64_t cols,
                       int64_t row, int64_t block, std::span<std::byte> out) {
  const Shape s = check(type, packed.size(), rows, cols, "layout");
  if (row < 0 || row >= rows || block < 0 || static_cast<size_t>(block) >= s.blocks ||
      out.size() != s.block_bytes) {
    throw std::out_of_range("interleaved_block: block outside the matrix or wrong output size");
  }
  const auto r = static_cast<size_t>(row), b = static_cast<size_t>(block);
  if (r >= s.groups * 8) {  // the verbatim tail
    std::memcpy(out.data(), packed.data() + r * s.row_bytes + b * s.block_bytes, s.block_bytes);
    return;
  }
  const std::byte* group = packed.data() + r / 8 * 8 * s.row_bytes;
  if (type == GgmlType::Q4_0) {
    gather_q4_0(group, s, r % 8, b, out.data());
  } else {
    std::memcpy(out.data(), group + (8 * b + r % 8) * s.block_bytes, s.block_bytes);
  }
}

}  // namespace etchsim::numerics
