// Which type each tensor gets, following llama.cpp's llama-quant.cpp (tensor_allows_quantization,
// llama_tensor_get_type with --pure, tensor_type_fallback) and its tensor order
// (llama_model_loader's weight_name_comparer).
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string_view>

#include "etchsim/quant/requantize.hpp"

namespace etchsim::quant {
namespace {

using gguf::GgmlType;

// ggml_n_dims: trailing dimensions of 1 do not count.
int n_dims(const gguf::TensorInfo& t) {
  int n = 1;
  for (int i = 1; i < gguf::kMaxDims; ++i) {
    if (t.ne[static_cast<size_t>(i)] > 1) n = i + 1;
  }
  return n;
}

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}
bool contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

// tensor_allows_quantization, for the tensors a Llama file can hold: matrices whose names end
// in "weight", except norms, MoE routers and learned position / token-type embeddings.
bool allows_quantization(const gguf::TensorInfo& t) {
  const std::string_view name = t.name;
  return n_dims(t) >= 2 && ends_with(name, "weight") && !contains(name, "_norm.weight") &&
         !contains(name, "ffn_gate_inp.weight") && name != "position_embd.weight" &&
         name != "token_types.weight";
}

// mix36's overrides, as the --tensor-type patterns attn_v, ffn_down and ^output\.weight match
// (std::regex_search: anywhere in the name; the last anchored at the start).
bool is_wide(std::string_view name) {
  return contains(name, "attn_v") || contains(name, "ffn_down") ||
         name.substr(0, std::min<size_t>(name.size(), 13)) == "output.weight";
}

// tensor_type_fallback (model::matrix_type_for_rows): a row that is not a whole number of
// blocks takes a 32-block type of about the same size, then F16 when even that does not fit.
GgmlType fallback(GgmlType type, int64_t ncols, std::string& note) {
  const GgmlType to = model::matrix_type_for_rows(type, ncols);
  if (to == type) return type;
  note =
      fmt::format("row length {} is not a multiple of {}'s block of {}: {}", ncols,
                  gguf::traits(type).name, gguf::traits(type).block_elems, gguf::traits(to).name);
  return to;
}

// weight_name_comparer: by layer number ("blk.N."; -1 for the others), then by name.
int layer_of(const std::string& name) {
  int layer = -1;
  if (std::sscanf(name.c_str(), "blk.%d.", &layer) != 1) layer = -1;
  return layer;
}

bool requantizable_from(GgmlType t) {
  return t == GgmlType::F32 || t == GgmlType::F16 || t == GgmlType::BF16 || t == GgmlType::Q8_0;
}

}  // namespace

std::vector<TensorChoice> plan_requantize(const gguf::GgufFile& in,
                                          const RequantizeOptions& options) {
  const gguf::Value* arch = in.find("general.architecture");
  if (arch == nullptr || arch->type() != gguf::ValueType::STRING ||
      in.get_string("general.architecture") != "llama") {
    throw std::invalid_argument(fmt::format(
        "{}: not a Llama model (general.architecture must be \"llama\"); etchsim quantize "
        "follows llama-quantize's rules for Llama files only",
        in.name()));
  }
  if (model::is_llama_mixture(options.scheme)) {
    throw std::invalid_argument(fmt::format(
        "--scheme {}: etchsim quantize writes etchsim's own schemes (as llama-quantize --pure); "
        "the llama-quantize mixture {} is made by llama-quantize itself",
        model::quant_scheme_name(options.scheme), model::quant_scheme_name(options.scheme)));
  }
  const GgmlType base = model::scheme_weight_type(options.scheme, false);
  const bool quantized = gguf::traits(base).block_elems > 1;

  std::vector<TensorChoice> plan;
  for (const gguf::TensorInfo& t : in.tensors()) {
    TensorChoice c{&t, t.type, {}};
    if (allows_quantization(t)) {
      if (options.keep_output_f16 && t.name == "output.weight") {
        c.type = GgmlType::F16;  // --output-tensor-type: no override, no fallback
      } else if (!quantized) {
        c.type = base;  // F32 / F16 schemes: every matrix, no fallback
      } else {
        c.type = model::scheme_weight_type(options.scheme, is_wide(t.name));
        c.type = fallback(c.type, t.ne[0], c.note);
      }
      if (c.type != t.type && !requantizable_from(t.type)) {
        throw std::invalid_argument(fmt::format(
            "{}: tensor '{}' is {}; etchsim quantize converts F32, F16, BF16 or Q8_0 weights "
            "(start from the original F16/F32 file)",
            in.name(), t.name, gguf::traits(t.type).name));
      }
    }
    plan.push_back(std::move(c));
  }
  std::stable_sort(plan.begin(), plan.end(), [](const TensorChoice& a, const TensorChoice& b) {
    const int la = layer_of(a.in->name), lb = layer_of(b.in->name);
    return la != lb ? la < lb : a.in->name < b.in->name;
  });
  return plan;
}

}  // namespace etchsim::quant
