// Test reference: attend() as it was before the in-place SIMD kernels (attention_simd.cpp),
// kept verbatim: every used cell read back through KvCache::load_k / load_v, V transposed into
// [d][cell] with the padded cells zero, one dot_f32_fast / dot_f16_fast per cell and per d, one
// query head after the other on one thread.
#pragma once

#include <cmath>
#include <limits>
#include <span>
#include <stdexcept>
#include <vector>

#include "etchsim/gguf/fp16.hpp"
#include "etchsim/numerics/attention.hpp"
#include "etchsim/numerics/float_dot.hpp"
#include "etchsim/numerics/kv_cache.hpp"
#include "etchsim/numerics/softmax.hpp"

namespace etchsim::numerics::test_data {

inline void reference_attend(CpuProfile profile, std::span<const float> q, const KvCache& cache,
                             int n_pos, const AttentionShape& shape, std::span<float> out) {
  const auto round_f16 = [](float v) { return gguf::fp16_to_fp32(gguf::fp32_to_fp16(v)); };
  const auto hd = static_cast<size_t>(shape.head_dim);
  if (shape.n_head <= 0 || shape.n_head_kv != cache.n_head_kv() || shape.n_head % shape.n_head_kv ||
      shape.head_dim != cache.head_dim() || n_pos <= 0 || n_pos > cache.capacity() ||
      q.size() != static_cast<size_t>(shape.n_head) * hd || out.size() != q.size()) {
    throw std::invalid_argument("attend: shape does not match q, out or the KV cache");
  }
  const bool f16 = cache.type() == KvType::F16;
  const auto dot = [profile, f16](std::span<const float> a, std::span<const float> b) {
    return f16 ? dot_f16_fast(profile, a, b) : dot_f32_fast(profile, a, b);
  };
  const auto n_kv = static_cast<size_t>(padded_kv_cells(n_pos));
  const auto used = static_cast<size_t>(n_pos);
  const int group = shape.n_head / shape.n_head_kv;
  const float scale = 1.0f / std::sqrt(static_cast<float>(shape.head_dim));

  std::vector<float> keys(used * hd);            // [cell][d] of the current KV head
  std::vector<float> values_t(hd * n_kv, 0.0f);  // V transposed, [d][cell], empty cells zero
  std::vector<float> query(hd);
  std::vector<float> probs(n_kv);
  for (int h = 0; h < shape.n_head; ++h) {
    const int kv_head = h / group;  // consecutive query heads share a KV head
    if (h % group == 0) {
      std::vector<float> v(hd);
      for (size_t c = 0; c < used; ++c) {
        cache.load_k(static_cast<int>(c), kv_head, std::span(keys).subspan(c * hd, hd));
        cache.load_v(static_cast<int>(c), kv_head, v);
        for (size_t d = 0; d < hd; ++d) values_t[d * n_kv + c] = v[d];
      }
    }
    for (size_t d = 0; d < hd; ++d) {
      const float qd = q[static_cast<size_t>(h) * hd + d];
      query[d] = f16 ? round_f16(qd) : qd;  // F16 cache: Q converted to its vec_dot_type
    }
    for (size_t c = 0; c < n_kv; ++c) {
      probs[c] = c < used ? dot(std::span(keys).subspan(c * hd, hd), query) * scale
                          : -std::numeric_limits<float>::infinity();  // masked cell
    }
    softmax(profile, probs);
    if (f16) {
      for (float& p : probs) p = round_f16(p);
    }
    for (size_t d = 0; d < hd; ++d) {
      out[static_cast<size_t>(h) * hd + d] =
          dot(std::span(values_t).subspan(d * n_kv, n_kv), probs);
    }
  }
}

}  // namespace etchsim::numerics::test_data
