// Tensor lookup of a GGUF Llama (docs/formats.md §5.2, llama.cpp models/llama.cpp
// load_arch_tensors): names, ne = [row length, rows], tied output fallback, optional rope_freqs.
#include "etchsim/model/llama_model.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace etchsim::model {
namespace {

class TensorFinder {
 public:
  explicit TensorFinder(const gguf::GgufFile& file) : m_file(file) {}

  [[noreturn]] void fail(std::string_view name, const std::string& what) const {
    throw std::invalid_argument(fmt::format("{}: tensor '{}' {}", m_file.name(), name, what));
  }

  const gguf::TensorInfo& require(std::string_view name) const {
    const gguf::TensorInfo* info = m_file.find_tensor(name);
    if (info == nullptr) fail(name, "is missing");
    return *info;
  }

  // ne must be [cols, rows] (ne[0] = row length).
  TensorView matrix(std::string_view name, int64_t cols, int64_t rows) const {
    return view(name, require(name), cols, rows);
  }

  // A 1-D F32 vector of n elements (norm weights, rope_freqs).
  std::span<const float> vector(const gguf::TensorInfo& info, int64_t n) const {
    if (info.n_dims != 1 || info.ne[0] != n) {
      fail(info.name, fmt::format("has shape {}, expected [{}]", shape_text(info), n));
    }
    if (info.type != gguf::GgmlType::F32) {
      fail(info.name, fmt::format("has type {}, expected f32", gguf::traits(info.type).name));
    }
    // tensor_data() is aligned to gguf::kTensorDataAlignment (a copy where the file is not).
    const std::span<const std::byte> bytes = m_file.tensor_data(info);
    return {reinterpret_cast<const float*>(bytes.data()), static_cast<size_t>(n)};
  }

  TensorView view(std::string_view name, const gguf::TensorInfo& info, int64_t cols,
                  int64_t rows) const {
    if (info.n_dims != 2 || info.ne[0] != cols || info.ne[1] != rows) {
      fail(name, fmt::format("has shape {}, expected [{}, {}]", shape_text(info), cols, rows));
    }
    return TensorView{info.type, rows, cols, m_file.tensor_data(info)};
  }

 private:
  static std::string shape_text(const gguf::TensorInfo& info) {
    std::string text = "[";
    for (uint32_t d = 0; d < info.n_dims; ++d) {
      text += (d ? ", " : "") + std::to_string(info.ne[d]);
    }
    return text + "]";
  }

  const gguf::GgufFile& m_file;
};

// Tensors llama.cpp accepts that etchsim's datapath does not have (§5.2 "Also accepted").
void reject_unsupported(const gguf::GgufFile& file) {
  for (const gguf::TensorInfo& info : file.tensors()) {
    const std::string_view name = info.name;
    if (name.ends_with(".bias") || name.ends_with("attn_qkv.weight")) {
      throw std::invalid_argument(fmt::format(
          "{}: tensor '{}' (biases and fused attn_qkv) is not supported", file.name(), name));
    }
  }
}

}  // namespace

LlamaModel::LlamaModel(const gguf::GgufFile& file)
    : m_file(&file), m_hparams(hparams_from_gguf(file)) {
  reject_unsupported(file);
  const TensorFinder find(file);
  const LlamaShape& s = m_hparams.shape;
  const int64_t embd = s.n_embd, q = int64_t{s.n_head} * s.head_dim(), kv = s.n_embd_kv(),
                ff = s.n_ff, vocab = s.n_vocab;

  // Nine tensors per layer: a block count the file cannot hold is refused before anything is
  // sized by it (a lying llama.block_count of 2^32 - 1 once asked for ~1.3 TB).
  constexpr uint64_t kTensorsPerLayer = 9;
  if (uint64_t{s.n_layer} * kTensorsPerLayer > file.tensors().size()) {
    throw std::invalid_argument(fmt::format(
        "{}: llama.block_count is {}, but the file holds only {} tensors ({} per layer)",
        file.name(), s.n_layer, file.tensors().size(), kTensorsPerLayer));
  }
  m_token_embd = find.matrix("token_embd.weight", embd, vocab);
  m_layers.reserve(s.n_layer);
  for (uint32_t i = 0; i < s.n_layer; ++i) {
    const std::string blk = fmt::format("blk.{}.", i);
    LayerWeights& l = m_layers.emplace_back();
    l.attn_norm = find.vector(find.require(blk + "attn_norm.weight"), embd);
    l.attn_q = find.matrix(blk + "attn_q.weight", embd, q);
    l.attn_k = find.matrix(blk + "attn_k.weight", embd, kv);
    l.attn_v = find.matrix(blk + "attn_v.weight", embd, kv);
    l.attn_output = find.matrix(blk + "attn_output.weight", q, embd);
    l.ffn_norm = find.vector(find.require(blk + "ffn_norm.weight"), embd);
    l.ffn_gate = find.matrix(blk + "ffn_gate.weight", embd, ff);
    l.ffn_up = find.matrix(blk + "ffn_up.weight", embd, ff);
    l.ffn_down = find.matrix(blk + "ffn_down.weight", ff, embd);
  }
  m_output_norm = find.vector(find.require("output_norm.weight"), embd);
  // §5.2: without output.weight the lm_head is token_embd.weight.
  if (const gguf::TensorInfo* output = file.find_tensor("output.weight")) {
    m_output = find.view("output.weight", *output, embd, vocab);
  } else {
    m_output = m_token_embd;
    m_tied_output = true;
  }
  if (const gguf::TensorInfo* freqs = file.find_tensor("rope_freqs.weight")) {
    m_rope_freqs = find.vector(*freqs, m_hparams.n_rot / 2);
  }
}

}  // namespace etchsim::model
