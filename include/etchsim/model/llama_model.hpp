// A Llama model as a view over an opened GGUF file: the hyper-parameters from the `llama.*` keys
// (docs/formats.md §5.1) and every tensor of §5.2, shape-checked, as zero-copy
// spans into the file's mapping. The GgufFile must outlive the LlamaModel and stay where it is
// (file() points to it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "etchsim/gguf/ggml_type.hpp"
#include "etchsim/gguf/reader.hpp"
#include "etchsim/model/llama_shape.hpp"

namespace etchsim::model {

// LlamaShape plus the keys llama.cpp reads that the shape does not carry.
struct LlamaHparams {
  LlamaShape shape;
  uint32_t n_rot = 0;            // rope.dimension_count; llama requires it to equal the head dim
  float rope_freq_scale = 1.0f;  // 1 / rope.scaling.factor (or rope.scale_linear), 1 if absent or 0
};

// Reads §5.1. Throws std::invalid_argument naming the file and the key when a required key is
// missing, has the wrong type or a value this model does not support (per-layer head counts that
// differ, key/value lengths other than the head dim, n_rot != head dim, YaRN scaling).
// n_vocab is token_embd.weight's row count (llama.cpp's own source of truth).
LlamaHparams hparams_from_gguf(const gguf::GgufFile& file);

// A 2-D weight tensor: `rows` rows of `cols` elements (ggml ne = [cols, rows]), row-major blocks.
struct TensorView {
  gguf::GgmlType type = gguf::GgmlType::F32;
  int64_t rows = 0;
  int64_t cols = 0;
  std::span<const std::byte> data;
};

struct LayerWeights {
  std::span<const float> attn_norm;  // n_embd
  TensorView attn_q;                 // n_head * hd rows of n_embd
  TensorView attn_k;                 // n_head_kv * hd rows of n_embd
  TensorView attn_v;                 // n_head_kv * hd rows of n_embd
  TensorView attn_output;            // n_embd rows of n_head * hd
  std::span<const float> ffn_norm;   // n_embd
  TensorView ffn_gate;               // n_ff rows of n_embd
  TensorView ffn_up;                 // n_ff rows of n_embd
  TensorView ffn_down;               // n_embd rows of n_ff
};

class LlamaModel {
 public:
  // Checks general.architecture == "llama", reads the hyper-parameters and looks up every tensor
  // of §5.2 with its expected shape. Norm weights and rope_freqs must be F32. Without
  // output.weight the LM head is token_embd.weight (tied). Throws std::invalid_argument naming the
  // tensor and what is wrong (missing, wrong shape or type, fused attn_qkv or biases, which this
  // model does not support).
  explicit LlamaModel(const gguf::GgufFile& file);

  const LlamaHparams& hparams() const { return m_hparams; }
  const LlamaShape& shape() const { return m_hparams.shape; }

  const TensorView& token_embd() const { return m_token_embd; }  // n_vocab rows of n_embd
  const std::vector<LayerWeights>& layers() const { return m_layers; }
  std::span<const float> output_norm() const { return m_output_norm; }
  const TensorView& output() const { return m_output; }  // the LM head, n_vocab rows
  bool tied_output() const { return m_tied_output; }
  std::span<const float> rope_freqs() const { return m_rope_freqs; }  // n_rot / 2, or empty
  const gguf::GgufFile& file() const { return *m_file; }  // the file every view points into

 private:
  const gguf::GgufFile* m_file;
  LlamaHparams m_hparams;
  TensorView m_token_embd;
  std::vector<LayerWeights> m_layers;
  std::span<const float> m_output_norm;
  TensorView m_output;
  bool m_tied_output = false;
  std::span<const float> m_rope_freqs;
};

}  // namespace etchsim::model
