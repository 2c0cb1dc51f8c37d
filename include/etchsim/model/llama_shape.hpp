// Llama hyper-parameters (the GGUF `llama.*` keys, docs/formats.md §5.1) and the named shapes
// etchsim knows.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace etchsim::model {

struct LlamaShape {
  std::string name = "custom";
  uint32_t n_layer = 0;
  uint32_t n_embd = 0;
  uint32_t n_head = 0;
  uint32_t n_head_kv = 0;
  uint32_t n_ff = 0;
  uint32_t n_vocab = 0;
  uint32_t n_ctx = 0;  // llama.context_length
  float rope_freq_base = 10000.0f;
  float rms_eps = 1e-5f;
  bool rope_freqs = false;  // Llama 3.1 rope_freqs.weight tensor present

  uint32_t head_dim() const { return n_embd / n_head; }
  uint32_t n_embd_kv() const { return head_dim() * n_head_kv; }
  // Total parameter count of the model's tensors (embeddings, every layer, output, norms).
  uint64_t n_params() const;
  // Throws std::invalid_argument naming the first inconsistent field.
  void validate() const;
};

// "tiny", "small", "llama-3.1-8b"; nullopt for other names.
std::optional<LlamaShape> named_shape(std::string_view name);
std::vector<std::string> shape_names();

}  // namespace etchsim::model
