// Writes the requantized file: llama-quantize's metadata (the input's keys in order, less the
// split keys, then general.quantization_version and general.file_type appended) and every
// tensor converted row by row (dequantized to f32 exactly as ggml does, then quantized by
// gguf::quantize, bit-exact with ggml's reference quantisers) or copied when its type stays.
#include "etchsim/quant/requantize.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <stdexcept>
#include <string_view>

#include "etchsim/gguf/dequantize.hpp"
#include "etchsim/gguf/quantize.hpp"
#include "etchsim/gguf/writer.hpp"

namespace etchsim::quant {
namespace {

constexpr uint32_t kQuantizationVersion = 2;  // GGML_QNT_VERSION

// Keys llama-quantize does not carry over as they are: it removes the split keys, and sets the
// last two itself (removed, then appended).
bool dropped_key(std::string_view key) {
  return key == "split.no" || key == "split.count" || key == "split.tensors.count" ||
         key == "general.quantization_version" || key == "general.file_type" ||
         key == "general.alignment";  // the writer's own (32, as llama-quantize pads)
}

// gguf.cpp writes ggml_n_dims dimensions: trailing 1s dropped (at least one).
std::vector<int64_t> dims_of(const gguf::TensorInfo& t) {
  size_t n = 1;
  for (size_t i = 1; i < t.ne.size(); ++i) {
    if (t.ne[i] > 1) n = i + 1;
  }
  return {t.ne.begin(), t.ne.begin() + static_cast<std::ptrdiff_t>(n)};
}

// Fills rows of the output tensor from the input's rows.
gguf::TensorFill converter(const gguf::GgufFile& in, const TensorChoice& c,
                           std::atomic<uint64_t>& done, const RequantizeProgress& progress,
                           std::mutex& progress_mutex, uint64_t total) {
  const gguf::TensorInfo& t = *c.in;
  const std::span<const std::byte> src = in.tensor_data(t);
  const int64_t ncols = t.ne[0];
  const uint64_t in_row = gguf::row_bytes(t.type, ncols);
  const uint64_t out_row = gguf::row_bytes(c.type, ncols);
  const bool copy = c.type == t.type;
  return [&in, &c, src, ncols, in_row, out_row, copy, &done, &progress, &progress_mutex, total](
             int64_t row_begin, std::span<std::byte> out) {
    if (out.empty()) return;  // an empty tensor (a zero dimension) has no rows
    const uint64_t rows = out.size() / out_row;
    const auto first = static_cast<uint64_t>(row_begin);
    if (copy) {
      std::copy_n(src.subspan(first * in_row, rows * in_row).begin(), rows * in_row, out.begin());
    } else {
      std::vector<float> f32(static_cast<size_t>(ncols));
      for (uint64_t r = 0; r < rows; ++r) {
        gguf::dequantize(c.in->type, src.subspan((first + r) * in_row, in_row), f32);
        try {
          gguf::quantize(c.type, f32, out.subspan(r * out_row, out_row));
        } catch (const std::invalid_argument& e) {
          throw std::invalid_argument(fmt::format("{}: tensor '{}', row {}: {}", in.name(),
                                                  c.in->name, first + r, e.what()));
        }
      }
    }
    const uint64_t now = done.fetch_add(out.size()) + out.size();
    if (progress) {
      const std::lock_guard lock(progress_mutex);
      progress(now, total);
    }
  };
}

}  // namespace

RequantizeSummary requantize(const gguf::GgufFile& in, const std::filesystem::path& out,
                             const RequantizeOptions& options, const RequantizeProgress& progress) {
  const std::vector<TensorChoice> plan = plan_requantize(in, options);

  gguf::GgufWriter writer(static_cast<uint32_t>(gguf::kDefaultAlignment));
  for (const auto& [key, value] : in.metadata()) {
    if (!dropped_key(key)) writer.set(key, value);
  }
  writer.set("general.quantization_version", kQuantizationVersion);
  writer.set("general.file_type", model::quant_scheme_file_type(options.scheme));

  RequantizeSummary summary;
  for (const TensorChoice& c : plan) {
    summary.bytes_in += c.in->nbytes;
    summary.bytes_out +=
        gguf::row_bytes(c.type, c.in->ne[0]) * static_cast<uint64_t>(c.in->n_rows());
    summary.n_params += static_cast<uint64_t>(c.in->n_elements());
    summary.n_requantized += c.type != c.in->type ? 1 : 0;
    summary.n_fallback += c.note.empty() ? 0 : 1;
  }
  std::atomic<uint64_t> done{0};
  std::mutex progress_mutex;
  for (const TensorChoice& c : plan) {
    writer.add_tensor(c.in->name, c.type, dims_of(*c.in),
                      converter(in, c, done, progress, progress_mutex, summary.bytes_out));
  }
  writer.write(out);
  summary.file_bytes = writer.total_bytes();
  return summary;
}

}  // namespace etchsim::quant
