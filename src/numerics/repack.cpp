// The q4_0x8 interleaved layout (repack.hpp).
#include "etchsim/numerics/repack.hpp"

#include <cstring>
#include <stdexcept>
#include <string>

namespace etchsim::numerics {
namespace {

constexpr size_t kQuadBytes = 4;                                // codes of one quad of one row
constexpr size_t kCodeBytes = 8 * sizeof(gguf::BlockQ4_0::qs);  // one block of 8 rows: 128
constexpr size_t kScaleBytes = 8 * sizeof(gguf::f16_bits);      // 16

void check_size(size_t bytes, int64_t rows, int64_t cols, const char* what) {
  if (rows < 0 || cols < 0 || cols % 32 != 0 ||
      bytes != gguf::row_bytes(gguf::GgmlType::Q4_0, cols) * static_cast<uint64_t>(rows)) {
    throw std::invalid_argument(std::string("q4_0x8: ") + what + " does not hold " +
                                std::to_string(rows) + " Q4_0 rows of " + std::to_string(cols));
  }
}

}  // namespace

bool has_interleaved_layout(gguf::GgmlType type, DotOrder order) {
  return type == gguf::GgmlType::Q4_0 && order == DotOrder::Repacked;
}

void interleave_q4_0x8(std::span<const std::byte> in, int64_t rows, int64_t cols,
                       std::span<std::byte> out) {
  check_size(in.size(), rows, cols, "input");
  check_size(out.size(), rows, cols, "output");
  const size_t blocks = static_cast<size_t>(cols) / 32;
  const size_t row_bytes = blocks * sizeof(gguf::BlockQ4_0);
  const size_t groups = static_cast<size_t>(rows) / 8;
  for (size_t g = 0; g < groups; ++g) {
    const std::byte* src = in.data() + g * 8 * row_bytes;
    std::byte* codes = out.data() + g * 8 * row_bytes;
    std::byte* scales = codes + blocks * kCodeBytes;
    for (size_t b = 0; b < blocks; ++b) {
      for (size_t r = 0; r < 8; ++r) {
        const std::byte* block = src + r * row_bytes + b * sizeof(gguf::BlockQ4_0);
        std::memcpy(scales + kScaleBytes * b + 2 * r, block + offsetof(gguf::BlockQ4_0, d), 2);
        for (size_t k = 0; k < 4; ++k) {
          std::memcpy(codes + kCodeBytes * b + 32 * k + kQuadBytes * r,
                      block + offsetof(gguf::BlockQ4_0, qs) + kQuadBytes * k, kQuadBytes);
        }
      }
    }
  }
  const size_t tail = groups * 8 * row_bytes;
  std::memcpy(out.data() + tail, in.data() + tail, in.size() - tail);
}

gguf::BlockQ4_0 q4_0x8_block(std::span<const std::byte> packed, int64_t rows, int64_t cols,
                             int64_t row, int64_t block) {
  check_size(packed.size(), rows, cols, "layout");
  if (row < 0 || row >= rows || block < 0 || block >= cols / 32) {
    throw std::out_of_range("q4_0x8: block outside the matrix");
  }
  const size_t blocks = static_cast<size_t>(cols) / 32;
  const size_t row_bytes = blocks * sizeof(gguf::BlockQ4_0);
  const auto r = static_cast<size_t>(row), b = static_cast<size_t>(block);
  gguf::BlockQ4_0 out;
  if (r >= static_cast<size_t>(rows) / 8 * 8) {  // the verbatim tail
    std::memcpy(&out, packed.data() + r * row_bytes + b * sizeof(out), sizeof(out));
    return out;
  }
  const std::byte* codes = packed.data() + r / 8 * 8 * row_bytes;
  const std::byte* scales = codes + blocks * kCodeBytes;
  std::memcpy(&out.d, scales + kScaleBytes * b + 2 * (r % 8), 2);
  for (size_t k = 0; k < 4; ++k) {
    std::memcpy(out.qs + kQuadBytes * k, codes + kCodeBytes * b + 32 * k + kQuadBytes * (r % 8),
                kQuadBytes);
  }
  return out;
}

}  // namespace etchsim::numerics
