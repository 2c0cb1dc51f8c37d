#include "float_weights.hpp"

#include <fmt/format.h>

#include <array>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace etchsim::cli {
namespace {

bool is_float(gguf::GgmlType t) {
  return t == gguf::GgmlType::F32 || t == gguf::GgmlType::F16 || t == gguf::GgmlType::BF16;
}

// The matrices the chip hard-wires: every layer's projections and the LM head.
bool hard_wired(std::string_view name, bool has_output) {
  constexpr std::array kLayerMatrices{".attn_q.weight",      ".attn_k.weight",   ".attn_v.weight",
                                      ".attn_output.weight", ".ffn_gate.weight", ".ffn_up.weight",
                                      ".ffn_down.weight"};
  if (name == "output.weight") return true;
  if (name == "token_embd.weight") return !has_output;  // tied: the LM head reads it
  if (!name.starts_with("blk.")) return false;
  for (const std::string_view tail : kLayerMatrices) {
    if (name.ends_with(tail)) return true;
  }
  return false;
}

}  // namespace

void refuse_float_weights(const gguf::GgufFile& file, const std::string& path) {
  const bool has_output = file.find_tensor("output.weight") != nullptr;
  const gguf::TensorInfo* first_float = nullptr;
  const gguf::TensorInfo* narrow = nullptr;  // rows that no 32-element block fits
  size_t n_matrices = 0, n_float = 0;
  for (const gguf::TensorInfo& t : file.tensors()) {
    if (!hard_wired(t.name, has_output)) continue;
    ++n_matrices;
    if (narrow == nullptr && t.ne[0] % 32 != 0) narrow = &t;
    if (!is_float(t.type)) continue;
    ++n_float;
    if (first_float == nullptr) first_float = &t;
  }
  if (first_float == nullptr) return;
  const std::string_view type = gguf::traits(first_float->type).name;
  if (n_float < n_matrices) {
    // A quantized file whose narrow rows fell back to F16 (no 32-element block fits them).
    throw std::invalid_argument(fmt::format(
        "{} has {} {} weight matrices among {} (e.g. {}, rows of {} values: quantizers keep rows "
        "that are not a multiple of 32 as floats). The chip hard-wires weights as 3-8 bit "
        "codes, not floats: set weight_cells.allow_f16_weights = true (--set "
        "weight_cells.allow_f16_weights=true) to model them at their cost",
        path, n_float, type, n_matrices, first_float->name, first_float->ne[0]));
  }
  const std::filesystem::path in(path);
  const std::filesystem::path out =
      in.parent_path() / (in.stem().string() + "-mix36" + in.extension().string());
  const std::string narrow_note =
      narrow == nullptr
          ? std::string()
          : fmt::format(
                "\n{}'s rows of {} values fit no quantized block and stay F16 in every "
                "scheme: run the quantized file with --set "
                "weight_cells.allow_f16_weights=true",
                narrow->name, narrow->ne[0]);
  throw std::invalid_argument(fmt::format(
      "{} has {} weight matrices: the chip hard-wires weights as 3-8 bit codes, not floats. "
      "Quantize it first, e.g. to the chip's 3/6-bit scheme:\n"
      "  etchsim quantize {} -o {} --scheme mix36\n"
      "(or --scheme q8_0, q6_k, q4_k, q4_0, q3_k), then run that file; or set "
      "weight_cells.allow_f16_weights = true to model float weights at their cost{}",
      path, type, path, out.string(), narrow_note));
}

}  // namespace etchsim::cli
