// Causal GQA attention for one query token (attention.hpp; docs/formats.md §5.3 items 5-8).
#include "etchsim/numerics/attention.hpp"

#include <tbb/parallel_for.h>

#include <cmath>
#include <stdexcept>

#include "attention_group.hpp"
#include "etchsim/numerics/float_dot.hpp"

namespace etchsim::numerics {

int padded_kv_cells(int n_pos) { return std::max(kKvPad, (n_pos + kKvPad - 1) / kKvPad * kKvPad); }

void attend(CpuProfile profile, std::span<const float> q, const KvCache& cache, int n_pos,
            const AttentionShape& shape, std::span<float> out) {
  const auto hd = static_cast<size_t>(shape.head_dim);
  if (shape.n_head <= 0 || shape.n_head_kv != cache.n_head_kv() || shape.n_head % shape.n_head_kv ||
      shape.head_dim != cache.head_dim() || n_pos <= 0 || n_pos > cache.capacity() ||
      q.size() != static_cast<size_t>(shape.n_head) * hd || out.size() != q.size()) {
    throw std::invalid_argument("attend: shape does not match q, out or the KV cache");
  }
  const auto group = static_cast<size_t>(shape.n_head / shape.n_head_kv);
  const auto n_kv = static_cast<size_t>(padded_kv_cells(n_pos));
  if (n_kv % float_dot_step(profile) != 0) {  // kKvPad is a multiple of every step
    throw std::logic_error("attend: the padded cells leave a p.v tail");
  }
  const float scale = 1.0f / std::sqrt(static_cast<float>(shape.head_dim));
  // Each KV head's query heads on their own task: a head's arithmetic does not depend on the
  // split, so neither do the bits (consecutive query heads share a KV head).
  tbb::parallel_for(0, shape.n_head_kv, [&](int kv_head) {
    const size_t first = static_cast<size_t>(kv_head) * group * hd;
    detail::attend_group_fast({profile, cache.k_rows(kv_head), cache.v_rows(kv_head), hd,
                               static_cast<size_t>(n_pos), n_kv, scale, group, q.data() + first,
                               out.data() + first});
  });
}

}  // namespace etchsim::numerics
