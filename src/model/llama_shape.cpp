#include "etchsim/model/llama_shape.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace etchsim::model {

uint64_t LlamaShape::n_params() const {
  const uint64_t embd = n_embd, ff = n_ff, kv = n_embd_kv();
  const uint64_t per_layer = 2 * embd           // attn_norm, ffn_norm
                             + embd * embd * 2  // attn_q, attn_output
                             + embd * kv * 2    // attn_k, attn_v
                             + embd * ff * 3;   // ffn_gate, ffn_up, ffn_down
  const uint64_t rope = rope_freqs ? head_dim() / 2 : 0;
  return uint64_t{n_vocab} * embd * 2 + embd + per_layer * n_layer + rope;
}

void LlamaShape::validate() const {
  auto fail = [&](const std::string& what) {
    throw std::invalid_argument(fmt::format("shape '{}': {}", name, what));
  };
  if (n_layer == 0) fail("n_layer must be at least 1");
  if (n_embd == 0) fail("n_embd must be at least 1");
  if (n_head == 0) fail("n_head must be at least 1");
  if (n_embd % n_head != 0)
    fail(fmt::format("n_embd {} is not a multiple of n_head {}", n_embd, n_head));
  if (head_dim() % 2 != 0) fail(fmt::format("head dim {} must be even for RoPE", head_dim()));
  if (n_head_kv == 0 || n_head % n_head_kv != 0)
    fail(fmt::format("n_head {} is not a multiple of n_head_kv {}", n_head, n_head_kv));
  if (n_ff == 0) fail("n_ff must be at least 1");
  if (n_vocab < 256) fail(fmt::format("n_vocab {} is below 256 (the byte tokens)", n_vocab));
  if (n_ctx == 0) fail("n_ctx must be at least 1");
  if (!(rope_freq_base > 0.0f)) fail("rope_freq_base must be positive");
  if (!(rms_eps > 0.0f)) fail("rms_eps must be positive");
}

std::optional<LlamaShape> named_shape(std::string_view name) {
  if (name == "tiny") {
    return LlamaShape{.name = "tiny",
                      .n_layer = 2,
                      .n_embd = 64,
                      .n_head = 4,
                      .n_head_kv = 2,
                      .n_ff = 128,
                      .n_vocab = 512,
                      .n_ctx = 512};
  }
  if (name == "small") {  // K-quant friendly: every row a multiple of 256
    return LlamaShape{.name = "small",
                      .n_layer = 2,
                      .n_embd = 256,
                      .n_head = 4,
                      .n_head_kv = 2,
                      .n_ff = 512,
                      .n_vocab = 1024,
                      .n_ctx = 1024};
  }
  if (name == "llama-3.1-8b") {
    return LlamaShape{.name = "llama-3.1-8b",
                      .n_layer = 32,
                      .n_embd = 4096,
                      .n_head = 32,
                      .n_head_kv = 8,
                      .n_ff = 14336,
                      .n_vocab = 128256,
                      .n_ctx = 131072,
                      .rope_freq_base = 500000.0f,
                      .rms_eps = 1e-5f,
                      .rope_freqs = true};
  }
  return std::nullopt;
}

std::vector<std::string> shape_names() { return {"tiny", "small", "llama-3.1-8b"}; }

}  // namespace etchsim::model
