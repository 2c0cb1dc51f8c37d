// One transformer layer of the golden model, llama.cpp's llama graph in order
// (ggml-formats.md §5.3 items 2-10).
#include "etchsim/golden/golden_model.hpp"
#include "etchsim/numerics/attention.hpp"
#include "etchsim/numerics/rms_norm.hpp"
#include "etchsim/numerics/swiglu.hpp"
#include "shared_input.hpp"

namespace etchsim::golden {

void GoldenModel::layer(size_t index, const numerics::RopeCache& rope) {
  const model::LayerWeights& w = m_model.layers()[index];
  const model::LlamaShape& s = m_model.shape();
  const auto hd = static_cast<int>(s.head_dim());
  const numerics::Kernel kernel = m_options.kernel;
  const numerics::CpuProfile profile = m_options.profile;
  Buffers& b = m_buf;

  // Attention block: RMSNorm · attn_norm, Q/K/V, RoPE on Q and K, KV store, attention, Wo.
  numerics::rms_norm(b.x, w.attn_norm, s.rms_eps, b.norm);
  {
    detail::SharedInput in(b.norm);
    in.matvec(w.attn_q, b.q, profile, kernel);
    in.matvec(w.attn_k, b.k, profile, kernel);
    in.matvec(w.attn_v, b.v, profile, kernel);
  }
  numerics::rope(b.q, hd, rope);
  numerics::rope(b.k, hd, rope);
  numerics::KvCache& cache = m_kv[index];
  cache.store(m_n_past, b.k, b.v);
  const numerics::AttentionShape shape{static_cast<int>(s.n_head), static_cast<int>(s.n_head_kv),
                                       hd};
  numerics::attend(profile, b.q, cache, m_n_past + 1, shape, b.attn);
  detail::SharedInput(b.attn).matvec(w.attn_output, b.proj, profile, kernel);
  numerics::add(b.x, b.proj, b.x);  // h = x + attn

  // Feed-forward block: RMSNorm · ffn_norm, gate and up, SiLU(gate)·up, down, residual.
  numerics::rms_norm(b.x, w.ffn_norm, s.rms_eps, b.norm);
  {
    detail::SharedInput in(b.norm);
    in.matvec(w.ffn_gate, b.gate, profile, kernel);
    in.matvec(w.ffn_up, b.up, profile, kernel);
  }
  numerics::swiglu(profile, b.gate, b.up, b.gate);
  detail::SharedInput(b.gate).matvec(w.ffn_down, b.proj, profile, kernel);
  numerics::add(b.x, b.proj, b.x);  // out = h + ffn
}

}  // namespace etchsim::golden
