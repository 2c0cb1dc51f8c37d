#include "etchsim/gguf/random_blocks.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>

#include "etchsim/gguf/fp16.hpp"
#include "fp16_inline.hpp"
#include "random_fill.hpp"

namespace etchsim::gguf {
namespace detail {

double code_mean_square(int lo, int hi, double centre) {
  double sum = 0.0;
  for (int q = lo; q <= hi; ++q) sum += (q - centre) * (q - centre);
  return sum / (hi - lo + 1);
}

double scale_mean_square(int base, int step, int count) {
  double sum = 0.0;
  for (int k = 0; k < count; ++k) sum += double(base + step * k) * double(base + step * k);
  return sum / count;
}

}  // namespace detail

namespace {

using detail::Rng;

// Each chunk of about this many bytes has its own generator, so chunks fill in parallel and
// the bytes do not depend on the thread count.
constexpr size_t kChunkBytes = size_t{1} << 16;
constexpr float kF16Max = 65504.0f;
constexpr double kFactorSpread = 0.25;  // block scales vary within +-25%

uint16_t fp16_saturated(double v) {
  return fp32_to_fp16(static_cast<float>(std::clamp(v, double{-kF16Max}, double{kF16Max})));
}

detail::ScaleTable make_scale_table(const detail::RandomFormat& format, float stddev) {
  std::array<double, 256> factor{};
  double factor_ms = 0.0;
  for (size_t i = 0; i < factor.size(); ++i) {
    factor[i] = 1.0 - kFactorSpread + 2.0 * kFactorSpread * (double(i) + 0.5) / 256.0;
    factor_ms += factor[i] * factor[i] / 256.0;
  }
  const double unit = double(stddev) / (std::sqrt(factor_ms) * format.rms_at_unit_scale);
  detail::ScaleTable table{};
  for (size_t i = 0; i < factor.size(); ++i) {
    table.d[i] = fp16_saturated(unit * factor[i]);
    table.dmin[i] = fp16_saturated(format.offset * fp16_to_fp32(table.d[i]));
  }
  return table;
}

// F32 / F16 / BF16: Irwin-Hall sum of four 16-bit uniforms, centred (mean 4 * 32767.5) and
// scaled to `stddev` (the sum's standard deviation is about 65536 / sqrt(3)), clamped to the
// largest finite value of the element type.
template <class Convert>
void fill_normal(Rng rng, float stddev, float limit, Convert convert, std::byte* dst, size_t n) {
  const float scale = stddev * std::sqrt(3.0f) / 65536.0f;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t r = rng.next();
    const auto sum = static_cast<int32_t>((r & 0xffff) + ((r >> 16) & 0xffff) +
                                          ((r >> 32) & 0xffff) + (r >> 48));
    const float v = std::min(std::max(static_cast<float>(sum - 131070) * scale, -limit), limit);
    const auto bits = convert(v);
    detail::put(dst, i * sizeof bits, bits);
  }
}

// synth calls this per row with the same (type, stddev): keep the last table per thread.
const detail::ScaleTable& cached_scale_table(GgmlType type, const detail::RandomFormat& format,
                                             float stddev) {
  struct Cache {
    GgmlType type = GgmlType::F32;
    float stddev = -1.0f;
    detail::ScaleTable table{};
  };
  thread_local Cache cache;
  if (cache.type != type ||
      std::bit_cast<uint32_t>(cache.stddev) != std::bit_cast<uint32_t>(stddev)) {
    cache.table = make_scale_table(format, stddev);
    cache.type = type;
    cache.stddev = stddev;
  }
  return cache.table;
}

void check(const TypeTraits& t, float stddev, size_t bytes) {
  if (!t.etchsim_dequantizes) {
    throw std::invalid_argument("fill_random_blocks: unsupported type " + std::string(t.name));
  }
  if (bytes % static_cast<size_t>(t.block_bytes) != 0) {
    throw std::invalid_argument("fill_random_blocks: " + std::to_string(bytes) +
                                " bytes is not a whole number of " + std::string(t.name) +
                                " blocks");
  }
  if (!std::isfinite(stddev) || stddev < 0.0f) {
    throw std::invalid_argument("fill_random_blocks: stddev must be finite and >= 0");
  }
}

}  // namespace

void fill_random_blocks(GgmlType type, uint64_t seed, float stddev, std::span<std::byte> out) {
  const TypeTraits& t = traits(type);
  check(t, stddev, out.size());
  const auto block_bytes = static_cast<size_t>(t.block_bytes);
  const size_t blocks_per_chunk = std::max<size_t>(1, kChunkBytes / block_bytes);
  const size_t nblocks = out.size() / block_bytes;
  const size_t nchunks = (nblocks + blocks_per_chunk - 1) / blocks_per_chunk;

  detail::RandomFormat format = detail::legacy_random_format(type);
  if (format.fill == nullptr) format = detail::kquant_random_format(type);
  const detail::ScaleTable* cached =
      format.fill ? &cached_scale_table(type, format, stddev) : nullptr;

  uint64_t seed_state = seed;
  const uint64_t base_seed = detail::splitmix64(seed_state);
  auto fill_chunk = [&](size_t c, const detail::ScaleTable* table) {
    uint64_t chunk_state = base_seed ^ c;
    Rng rng(detail::splitmix64(chunk_state));
    const size_t first = c * blocks_per_chunk;
    const size_t count = std::min(blocks_per_chunk, nblocks - first);
    std::byte* dst = out.data() + first * block_bytes;
    switch (type) {
      case GgmlType::F32:
        fill_normal(
            rng, stddev, std::numeric_limits<float>::max(), [](float v) { return v; }, dst, count);
        break;
      case GgmlType::F16:
        fill_normal(rng, stddev, kF16Max, detail::fp32_to_fp16_inline, dst, count);
        break;
      case GgmlType::BF16:
        // Largest bf16 below FLT_MAX (0x7f7f), so rounding cannot reach inf.
        fill_normal(rng, stddev, std::bit_cast<float>(0x7f7f0000u), detail::fp32_to_bf16_inline,
                    dst, count);
        break;
      default:
        format.fill(rng, *table, dst, count);
    }
  };
  // synth calls this once per row: small spans skip the thread pool.
  if (nchunks == 1) {
    fill_chunk(0, cached);
    return;
  }
  // While it waits, this thread may run other fills that replace its cached table: copy it.
  const std::optional<detail::ScaleTable> table =
      cached ? std::optional<detail::ScaleTable>(*cached) : std::nullopt;
  tbb::parallel_for(tbb::blocked_range<size_t>(0, nchunks), [&](const auto& range) {
    for (size_t c = range.begin(); c != range.end(); ++c) fill_chunk(c, table ? &*table : nullptr);
  });
}

}  // namespace etchsim::gguf
