// The golden model: a plain C++ Llama forward pass over a GGUF file, the numerics oracle the chip
// is compared with (docs/design.md "datapath contract"). It runs every unit of LayerDatapath
// (layer_datapath.hpp, the arithmetic the chip's units also call) in order for one token at a
// time. Every operation is numerics/'s, in the order of llama.cpp's CPU graph
// (docs/formats.md §5.3); weights stay in the file's
// mapping in their block format, nothing is copied or dequantised except one embedding row per
// token.
//
// Every token's arithmetic is the one-token (n = 1 activation row) form of every matrix-vector
// product; a prompt's tokens may share a weight read (evaluate(span)), never a rounding.
// llama.cpp evaluates a prompt as one batch: for quantised weights the result is the same (§4.5,
// §8 item 8), but for F32 and F16 weights its batched path (tinyBLAS, one accumulator) rounds in
// another order than its n = 1 vec_dot, which golden follows; logits then differ in the last
// bits only (far below the 1e-4 log-probability agreement of tests/golden/reference_agreement).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "etchsim/gguf/reader.hpp"
#include "etchsim/golden/layer_datapath.hpp"
#include "etchsim/model/llama_model.hpp"
#include "etchsim/model/lora_adapter.hpp"
#include "etchsim/numerics/kv_cache.hpp"
#include "etchsim/numerics/matvec.hpp"
#include "etchsim/numerics/profile.hpp"

namespace etchsim::golden {

struct GoldenOptions {
  numerics::KvType kv_type = numerics::KvType::F16;  // llama.cpp's default cache type
  int n_ctx = 0;  // KV cache positions, allocated up front; 0 = the model's context_length
  numerics::Kernel kernel = numerics::Kernel::Fast;  // Scalar: the reference dot products
  // Which llama.cpp CPU build's roundings to follow (numerics/profile.hpp). Fixed by the caller,
  // never detected from the host, so a run gives the same logits on every machine.
  numerics::CpuProfile profile = numerics::kDefaultCpuProfile;
  // A LoRA adapter applied to every token (docs/formats.md §7), checked against this
  // model, or nullptr. It must outlive the GoldenModel. lora_scale is llama.cpp's adapter scale.
  const model::LoraAdapter* lora = nullptr;
  float lora_scale = 1.0f;
};

class GoldenModel {
 public:
  // The GgufFile must outlive the model (its tensors are used in place). Throws
  // std::invalid_argument for a model that is not a supported Llama (model::LlamaModel) or an
  // n_ctx that is negative or above the model's context_length.
  explicit GoldenModel(const gguf::GgufFile& file, const GoldenOptions& options = {});
  // The datapath refers to the model member: not copyable or movable.
  GoldenModel(const GoldenModel&) = delete;
  GoldenModel& operator=(const GoldenModel&) = delete;

  const model::LlamaModel& model() const { return m_model; }
  const LayerDatapath& datapath() const { return m_datapath; }
  int32_t n_vocab() const { return static_cast<int32_t>(m_model.shape().n_vocab); }
  int n_ctx() const { return m_n_ctx; }
  int n_past() const { return m_n_past; }  // positions held in the KV cache

  // Consumes `token` at position n_past() and returns the logits (n_vocab) for the next one.
  // Throws std::invalid_argument for a token id outside [0, n_vocab) or a full context.
  std::vector<float> evaluate(int32_t token);
  // Consumes the tokens in order; element i holds the logits after tokens[0..i]. Checks every id,
  // the empty list and the context capacity before evaluating anything. Evaluates up to
  // kPrefillBatch tokens together (LayerDatapath::run_batch): the same bits as one at a time,
  // each weight row group read once per batch.
  std::vector<std::vector<float>> evaluate(std::span<const int32_t> tokens);
  static constexpr size_t kPrefillBatch = 16;
  // Empties the KV cache (n_past() = 0).
  void reset() { m_n_past = 0; }

 private:
  void check_token(int32_t token) const;
  void layer(size_t index);  // every LayerUnit of one layer, in order

  model::LlamaModel m_model;
  GoldenOptions m_options;
  int m_n_ctx;
  LayerDatapath m_datapath;             // the arithmetic, over m_model
  std::vector<numerics::KvCache> m_kv;  // one per layer
  int m_n_past = 0;
  TokenState m_state;               // the one token in flight
  std::vector<TokenState> m_batch;  // prompt tokens evaluated together
};

}  // namespace etchsim::golden
