// One KV head's share of attend() (attention.hpp): its query heads against its K and V rows.
#pragma once

#include <cstddef>

#include "etchsim/numerics/kv_cache.hpp"
#include "etchsim/numerics/profile.hpp"

namespace etchsim::numerics::detail {

struct AttentionGroup {
  CpuProfile profile;
  KvRows k;  // the KV head's rows, read in place
  KvRows v;
  size_t head_dim;
  size_t n_pos;    // used cells
  size_t n_kv;     // padded cells (padded_kv_cells), a multiple of float_dot_step
  float scale;     // 1 / sqrt(head_dim)
  size_t heads;    // query heads sharing this KV head
  const float* q;  // heads * head_dim
  float* out;      // heads * head_dim
};

// out = attention of each of the group's query heads, bit-identical to the reference order of
// attention.hpp, on the best SIMD target of the running CPU (Highway dynamic dispatch).
void attend_group_fast(const AttentionGroup& group);

}  // namespace etchsim::numerics::detail
