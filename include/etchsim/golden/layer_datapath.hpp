// The arithmetic of one token through the chip, split into the units it passes (docs/design.md
// "datapath contract"): the one definition that both golden/ (GoldenModel runs every unit in
// order) and chip/ (each SystemC unit calls its own when it fires) use, so the two are bit-exact
// by construction. The enums, their names and the matrices each unit multiplies live here; the
// hardware side of every unit (kind, timing, cost, LoRA path, RTL) is arch's unit registry
// (arch/unit_registry.hpp), keyed by these enums.
//
// Every operation is numerics/'s, in the order of llama.cpp's CPU graph
// (docs/formats.md §5.3). The *_quantize units convert an activation vector
// once per vec_dot_type the following matrix-vector product(s) need (§4.1: ggml converts the f32
// input per matmul; the conversion is deterministic, so matrices of one vec_dot_type share it);
// the matvec units use only those prepared activations.
//
// LoRA (docs/formats.md §7): a token may carry a LoraBinding (its user's adapter and
// scale, set by start). Every matvec unit then applies llama.cpp's build_lora_mm to each matrix
// the adapter adapts: y = W x; t = A x; d = B t; y = y + fl(d * scale), A and B as MUL_MAT
// weights in ggml's n = 1 vec_dot order (LoRA tensors are never CPU_REPACK'ed), t converted once
// to B's vec_dot_type inside the unit. The quantize units also prepare x for the adapter's A
// matrices (their vec_dot_type can differ from the base weights'). Without a binding every unit
// computes exactly what it did before.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "etchsim/golden/interleaved_weights.hpp"
#include "etchsim/model/llama_model.hpp"
#include "etchsim/model/lora_adapter.hpp"
#include "etchsim/numerics/activation.hpp"
#include "etchsim/numerics/attention.hpp"
#include "etchsim/numerics/kv_cache.hpp"
#include "etchsim/numerics/matvec.hpp"
#include "etchsim/numerics/profile.hpp"
#include "etchsim/numerics/rope.hpp"

namespace etchsim::golden {

// Units of one layer, in the order a token passes them.
enum class LayerUnit {
  AttnNorm,         // norm = rms_norm(x) * attn_norm
  AttnQuantize,     // attn_in = norm converted for attn_q, attn_k, attn_v
  Qkv,              // q, k, v = W{q,k,v} attn_in
  Rope,             // q, k rotated at pos
  Attention,        // K, V stored at pos; attn = causal GQA softmax attention over pos + 1
  AttnOutQuantize,  // attn_out_in = attn converted for attn_output
  AttnOutput,       // proj = Wo attn_out_in
  AttnResidual,     // x = x + proj
  FfnNorm,          // norm = rms_norm(x) * ffn_norm
  FfnQuantize,      // ffn_in = norm converted for ffn_gate, ffn_up
  GateUp,           // gate, up = W{gate,up} ffn_in
  SiluMul,          // gate = silu(gate) * up
  DownQuantize,     // down_in = gate converted for ffn_down
  Down,             // proj = Wdown down_in
  FfnResidual,      // x = x + proj
};
inline constexpr size_t kLayerUnitCount = 15;
// "attn_norm", "attn_quantize", "qkv", "rope", "attention", "attn_out_quantize", "attn_output",
// "attn_residual", "ffn_norm", "ffn_quantize", "gate_up", "silu_mul", "down_quantize", "down",
// "ffn_residual".
std::string_view layer_unit_name(LayerUnit unit);
// The unit of a name layer_unit_name gives, or nullopt.
std::optional<LayerUnit> layer_unit_from_name(std::string_view name);
// The layer's weight matrices a unit multiplies, in the order it computes them (as
// model::LoraRole: the seven per-layer matrices, every one a LoRA target): Qkv {AttnQ, AttnK,
// AttnV}, AttnOutput {AttnOutput}, GateUp {FfnGate, FfnUp}, Down {FfnDown}; empty for the others.
std::span<const model::LoraRole> layer_unit_roles(LayerUnit unit);

// Units after the last layer, in order.
enum class HeadUnit {
  OutputNorm,      // norm = rms_norm(x) * output_norm
  OutputQuantize,  // output_in = norm converted for the LM head
  Output,          // logits = W_output output_in
  Argmax,          // no arithmetic: choosing the token is sampling's job
};
inline constexpr size_t kHeadUnitCount = 4;
// "output_norm", "output_quantize", "output", "argmax".
std::string_view head_unit_name(HeadUnit unit);
std::optional<HeadUnit> head_unit_from_name(std::string_view name);

// One activation vector converted once per vec_dot_type of the matrices it feeds (at most a few).
struct PreparedInput {
  std::vector<numerics::Activation> conversions;
};

// The LoRA adapter a token's user is bound to, or none (adapter == nullptr). The adapter must
// outlive every token bound to it.
struct LoraBinding {
  const model::LoraAdapter* adapter = nullptr;
  float user_scale = 1.0f;  // llama.cpp's adapter scale (node-llama-cpp's `scale`, default 1)
};

// Everything one token carries through the chip. Several tokens (of several users) can be in
// flight at once, each with its own TokenState.
struct TokenState {
  int32_t pos = 0;            // position of the token (KV cache row it writes)
  numerics::RopeCache rope;   // RoPE (cos, sin) of pos
  std::vector<float> x;       // residual stream, n_embd
  std::vector<float> norm;    // RMSNorm output, n_embd
  std::vector<float> q;       // n_head * head_dim
  std::vector<float> k;       // n_head_kv * head_dim
  std::vector<float> v;       // n_head_kv * head_dim
  std::vector<float> attn;    // attention output, n_head * head_dim
  std::vector<float> proj;    // attn_output / ffn_down result, n_embd
  std::vector<float> gate;    // n_ff (SiLU(gate) * up in place)
  std::vector<float> up;      // n_ff
  PreparedInput attn_in;      // AttnQuantize -> Qkv
  PreparedInput attn_out_in;  // AttnOutQuantize -> AttnOutput
  PreparedInput ffn_in;       // FfnQuantize -> GateUp
  PreparedInput down_in;      // DownQuantize -> Down
  PreparedInput output_in;    // OutputQuantize -> Output
  std::vector<float> logits;  // n_vocab
  LoraBinding lora;           // set by start(); no adapter = plain model
  std::vector<float> lora_t;  // A x, the adapter's largest rank (sized by start())
  std::vector<float> lora_d;  // B (A x), the largest adapted output (sized by start())
};

class LayerDatapath {
 public:
  // `model` must outlive the datapath. `profile` and `kernel` as in GoldenOptions. Kernel::Fast
  // copies the matrices it reads interleaved (InterleavedWeights) here, once.
  LayerDatapath(const model::LlamaModel& model, numerics::CpuProfile profile,
                numerics::Kernel kernel);

  const model::LlamaModel& model() const { return m_model; }
  size_t n_layer() const { return m_model.layers().size(); }

  // A state with every buffer sized for the model (the only allocating call besides embed).
  TokenState make_state() const;
  // A KV cache for one layer of one sequence, shaped for the model.
  numerics::KvCache make_kv_cache(numerics::KvType type, int capacity) const;

  // §5.3 item 1: s.x = the token's embedding row (dequantised), s.pos = pos, s.rope = RoPE cache
  // of pos. Throws std::invalid_argument for a token outside [0, n_vocab) or a negative pos.
  // = embedding(token, s.x), then start(pos, s.x, s, lora).
  void embed(int32_t token, int32_t pos, TokenState& s, const LoraBinding* lora = nullptr) const;
  // The same in two steps, as the chip splits them: the host looks up the embedding row (n_embd)
  // and sends it; the chip starts a token from it (copies it to s.x, sets s.pos and s.rope).
  // `lora` binds the token to its user's adapter (copied to s.lora; nullptr or a null adapter =
  // none) and sizes s.lora_t / s.lora_d for it (allocates only when they grow). Throws
  // std::invalid_argument for an adapter checked against a model of another shape.
  void embedding(int32_t token, std::span<float> out) const;
  void start(int32_t pos, std::span<const float> x, TokenState& s,
             const LoraBinding* lora = nullptr) const;

  // One unit of layer `layer`. `cache` (that layer's, of this token's sequence) is used by
  // Attention only: it stores K and V at s.pos and attends over positions [0, s.pos].
  // Throws std::out_of_range for a layer index beyond the model, std::logic_error for a matvec
  // unit whose quantize unit has not prepared its input.
  void run(LayerUnit unit, size_t layer, TokenState& s, numerics::KvCache& cache) const;
  // Any unit but Attention (std::invalid_argument for it): they never touch the cache.
  void run(LayerUnit unit, size_t layer, TokenState& s) const;
  // One unit after the last layer; Output writes s.logits (n_vocab).
  void run(HeadUnit unit, TokenState& s) const;

  // Prefill: tokens of one sequence at consecutive positions through one unit, in order. Every
  // state ends exactly as run() on each in turn leaves it (Attention stores and attends token by
  // token); the matvec units multiply each weight row group with every token's input while it
  // is in cache (numerics::matmat). Tokens bound to a LoRA adapter run one by one.
  void run_batch(LayerUnit unit, size_t layer, std::span<TokenState* const> states,
                 numerics::KvCache& cache) const;
  void run_batch(HeadUnit unit, std::span<TokenState* const> states) const;

 private:
  void run_unit(LayerUnit unit, size_t layer, TokenState& s, numerics::KvCache* cache) const;
  // Every matrix of matvec unit `unit` (layer_unit_roles) on `in`, each into its output in s.
  void matvec_unit(LayerUnit unit, size_t layer, const PreparedInput& in, TokenState& s) const;
  void matvec(const model::TensorView& w, const PreparedInput& in, std::span<float> y,
              std::string_view unit) const;
  // matvec of `w` for several tokens: ins[t] prepared by its quantize unit, into ys[t].
  void matmat(const model::TensorView& w, std::span<const PreparedInput* const> ins,
              std::span<const std::span<float>> ys, std::string_view unit) const;
  // matvec of the base weight `role` of `layer`, then its LoRA term if s is bound to an adapter
  // that adapts it.
  void adapted_matvec(size_t layer, model::LoraRole role, const PreparedInput& in,
                      std::span<float> y, TokenState& s, std::string_view unit) const;
  // Converts x for `roles`' base weights and, when s is bound, their adapters' A matrices.
  void prepare_input(PreparedInput& in, std::span<const float> x, size_t layer,
                     std::span<const model::LoraRole> roles, const TokenState& s) const;

  const model::LlamaModel& m_model;
  numerics::CpuProfile m_profile;
  numerics::Kernel m_kernel;
  InterleavedWeights m_interleaved;  // Kernel::Fast's copies, else none
  numerics::RopeParams m_rope;
  numerics::AttentionShape m_attention;
};

}  // namespace etchsim::golden
