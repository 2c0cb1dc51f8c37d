// Seeded random tensor data written directly in a block format: random codes with scales chosen
// so the dequantised values have roughly the requested standard deviation. This is synth's fast
// path — no float weights are generated and quantised, so multi-GB models write at disk speed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "etchsim/gguf/ggml_type.hpp"

namespace etchsim::gguf {

// Fills `out` (a whole number of blocks of `type`) with random blocks. The bytes depend only
// on (type, seed, stddev, out.size()). Supported: every type with etchsim_dequantizes.
void fill_random_blocks(GgmlType type, uint64_t seed, float stddev, std::span<std::byte> out);

}  // namespace etchsim::gguf
