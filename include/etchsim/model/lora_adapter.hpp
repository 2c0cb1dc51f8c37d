// A llama.cpp LoRA adapter GGUF (docs/formats.md §7) checked against the base
// Llama it adapts: per (layer, role) the A and B matrices as zero-copy views into the adapter's
// mapping. The adapter's GgufFile must outlive the LoraAdapter.
//
// Keys: general.type = "adapter", adapter.type = "lora", general.architecture = the base's,
// adapter.lora.alpha (f32; another type is an error, as llama.cpp aborts; missing = 0).
// Tensors: `<base tensor>.lora_a` / `.lora_b`, e.g. blk.3.attn_q.weight.lora_a; names ending in
// `_norm.weight` are ignored (llama.cpp does); any other suffix, a missing partner, a base tensor
// the model does not have and a shape that does not fit are errors naming the tensor and the
// file. For a base W with ne = [n_in, n_out]: A ne = [n_in, r], B ne = [r, n_out].
//
// Supported targets: the seven per-layer matrices (LoraRole). token_embd and output adapters
// are refused ("not supported"): the chip has no LoRA datapath at the embedding or the LM head.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "etchsim/gguf/reader.hpp"
#include "etchsim/model/llama_model.hpp"

namespace etchsim::model {

// The per-layer matrices an adapter can target, in the order a token passes them.
enum class LoraRole { AttnQ, AttnK, AttnV, AttnOutput, FfnGate, FfnUp, FfnDown };
inline constexpr size_t kLoraRoleCount = 7;
// "attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down" (the GGUF names).
std::string_view lora_role_name(LoraRole role);
std::optional<LoraRole> lora_role_from_name(std::string_view name);
// The base matrix of `role` in a layer.
const TensorView& base_weight(const LayerWeights& layer, LoraRole role);

// The base matrix of `role` as the shape gives it (ggml ne = [cols, rows]).
struct BaseMatrix {
  int64_t rows = 0;
  int64_t cols = 0;
};
BaseMatrix base_matrix(const LlamaShape& shape, LoraRole role);

// llama.cpp's scale (llama-adapter.h get_scale), in f32 and in this order:
// alpha != 0 ? user_scale * alpha / rank : user_scale.
float lora_scale(float user_scale, float alpha, int64_t rank);

// One adapted matrix: W x + scale * B (A x).
struct LoraWeight {
  TensorView a;                            // r rows of n_in (ggml ne = [n_in, r]): applied to x
  TensorView b;                            // n_out rows of r (ggml ne = [r, n_out]): applied to A x
  int64_t rank() const { return b.cols; }  // llama.cpp: B.ne[0]
};

class LoraAdapter {
 public:
  // Reads and checks the adapter against `base` (see the file comment). Throws
  // std::invalid_argument naming the file (and the tensor or key) on any mismatch.
  LoraAdapter(const gguf::GgufFile& adapter, const LlamaModel& base);
  // The same checks against the base's shape alone (the chip's loader: timing runs have no
  // weights). A model's tensors always have its shape's dimensions (LlamaModel checks them).
  LoraAdapter(const gguf::GgufFile& adapter, const LlamaShape& base);

  const std::string& name() const { return m_name; }  // the adapter file's name
  float alpha() const { return m_alpha; }
  // The rank of the adapted matrices (B.ne[0]) when they all share one, else the largest.
  int64_t rank() const { return m_rank; }
  size_t n_layer() const { return m_layers.size(); }        // the base model's layer count
  size_t n_weights() const { return m_count; }              // adapted (layer, role) pairs
  uint64_t tensor_bytes() const { return m_tensor_bytes; }  // every A and B, as stored

  // The pair adapting `role` of `layer`, or nullptr (also for a layer beyond the base's).
  const LoraWeight* find(size_t layer, LoraRole role) const;
  // lora_scale(user_scale, alpha(), rank()): the scale of every pair when the ranks agree.
  float scale(float user_scale) const { return lora_scale(user_scale, m_alpha, m_rank); }
  // The scale of one pair (llama.cpp computes it per pair, from that pair's B.ne[0]).
  float scale(const LoraWeight& w, float user_scale) const {
    return lora_scale(user_scale, m_alpha, w.rank());
  }

 private:
  using LayerSlots = std::array<std::optional<LoraWeight>, kLoraRoleCount>;
  std::string m_name;
  float m_alpha = 0.0f;
  int64_t m_rank = 0;
  size_t m_count = 0;
  uint64_t m_tensor_bytes = 0;
  std::vector<LayerSlots> m_layers;
};

}  // namespace etchsim::model
