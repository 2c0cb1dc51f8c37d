// Random 32-element blocks (§3.1): uniformly random codes, a block scale from the table.
// Formats without a min get a random sign on d so the mean is zero; Q4_1 / Q5_1 get
// m = -centre * d.
#include <cmath>
#include <cstddef>

#include "etchsim/gguf/blocks.hpp"
#include "random_fill.hpp"

namespace etchsim::gguf::detail {
namespace {

constexpr uint16_t kF16Sign = 0x8000;

// Block scale from the table (8 bits of r), with a random sign (bit 8).
uint16_t signed_d(uint64_t r, const ScaleTable& table) {
  const uint16_t d = table.d[r & 255];
  return r & 256 ? static_cast<uint16_t>(d ^ kF16Sign) : d;
}

void fill_q4_0(Rng rng, const ScaleTable& table, std::byte* dst, size_t nblocks) {
  for (size_t i = 0; i < nblocks; ++i, dst += sizeof(BlockQ4_0)) {
    put(dst, offsetof(BlockQ4_0, d), signed_d(rng.next(), table));
    rng.fill(dst + offsetof(BlockQ4_0, qs), sizeof(BlockQ4_0::qs));
  }
}

void fill_q4_1(Rng rng, const ScaleTable& table, std::byte* dst, size_t nblocks) {
  for (size_t i = 0; i < nblocks; ++i, dst += sizeof(BlockQ4_1)) {
    const uint64_t r = rng.next() & 255;
    put(dst, offsetof(BlockQ4_1, d), table.d[r]);
    put(dst, offsetof(BlockQ4_1, m), table.dmin[r]);
    rng.fill(dst + offsetof(BlockQ4_1, qs), sizeof(BlockQ4_1::qs));
  }
}

void fill_q5_0(Rng rng, const ScaleTable& table, std::byte* dst, size_t nblocks) {
  for (size_t i = 0; i < nblocks; ++i, dst += sizeof(BlockQ5_0)) {
    const uint64_t r = rng.next();
    put(dst, offsetof(BlockQ5_0, d), signed_d(r, table));
    put(dst, offsetof(BlockQ5_0, qh), static_cast<uint32_t>(r >> 32));
    rng.fill(dst + offsetof(BlockQ5_0, qs), sizeof(BlockQ5_0::qs));
  }
}

void fill_q5_1(Rng rng, const ScaleTable& table, std::byte* dst, size_t nblocks) {
  for (size_t i = 0; i < nblocks; ++i, dst += sizeof(BlockQ5_1)) {
    const uint64_t r = rng.next();
    put(dst, offsetof(BlockQ5_1, d), table.d[r & 255]);
    put(dst, offsetof(BlockQ5_1, m), table.dmin[r & 255]);
    put(dst, offsetof(BlockQ5_1, qh), static_cast<uint32_t>(r >> 32));
    rng.fill(dst + offsetof(BlockQ5_1, qs), sizeof(BlockQ5_1::qs));
  }
}

void fill_q8_0(Rng rng, const ScaleTable& table, std::byte* dst, size_t nblocks) {
  for (size_t i = 0; i < nblocks; ++i, dst += sizeof(BlockQ8_0)) {
    put(dst, offsetof(BlockQ8_0, d), signed_d(rng.next(), table));
    rng.fill(dst + offsetof(BlockQ8_0, qs), sizeof(BlockQ8_0::qs));
  }
}

}  // namespace

RandomFormat legacy_random_format(GgmlType type) {
  switch (type) {
    case GgmlType::Q4_0:
      return {fill_q4_0, std::sqrt(code_mean_square(0, 15, 8)), 0};
    case GgmlType::Q4_1:
      return {fill_q4_1, std::sqrt(code_mean_square(0, 15, 7.5)), -7.5};
    case GgmlType::Q5_0:
      return {fill_q5_0, std::sqrt(code_mean_square(0, 31, 16)), 0};
    case GgmlType::Q5_1:
      return {fill_q5_1, std::sqrt(code_mean_square(0, 31, 15.5)), -15.5};
    case GgmlType::Q8_0:
      return {fill_q8_0, std::sqrt(code_mean_square(-128, 127, 0)), 0};
    default:
      return {};
  }
}

}  // namespace etchsim::gguf::detail
