// One layer's KV cache, element type set by the chip config (docs/design.md "datapath contract"):
//  * F32: K and V stored as given.
//  * F16 (llama.cpp's default): K and V rounded to f16, round-to-nearest-even (§5.3 item 5).
//  * I8 (etchsim's own scheme): each head vector (head_dim values of one position and one KV
//    head) of K and of V is stored as symmetric int8 codes q = RNE(fl(x * fl(127 / amax)))
//    with one f32 scale d = fl(amax / 127); it reads back as fl(q * d). An all-zero vector has
//    d = 0 and q = 0.
// Storage is head-major (KV head, then position): one KV head's rows are contiguous, so the
// attention kernels stream them in place (no float copy of an F16 / I8 cache).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace etchsim::numerics {

enum class KvType { F32, F16, I8 };

// One KV head's K or V rows in storage: position p's head_dim elements start at element
// p * head_dim of the array of the cache's type (the others are null); I8: scale[p] is d.
struct KvRows {
  KvType type;
  const float* f32;
  const uint16_t* f16;
  const int8_t* i8;
  const float* scale;
};

class KvCache {
 public:
  KvCache(KvType type, int n_head_kv, int head_dim, int capacity);

  KvType type() const { return m_type; }
  int n_head_kv() const { return m_n_head_kv; }
  int head_dim() const { return m_head_dim; }
  int capacity() const { return m_capacity; }

  // Stores K and V (n_head_kv * head_dim each, head-major) of position `pos`.
  void store(int pos, std::span<const float> k, std::span<const float> v);

  // The stored value as f32 (exact for F32/F16; fl(q * d) for I8), head_dim values.
  void load_k(int pos, int head, std::span<float> out) const;
  void load_v(int pos, int head, std::span<float> out) const;

  // All positions of KV head `head` in place (attention's kernels).
  KvRows k_rows(int head) const { return rows(m_k, head); }
  KvRows v_rows(int head) const { return rows(m_v, head); }

 private:
  struct Plane {  // all positions of K or of V
    std::vector<float> f32;
    std::vector<uint16_t> f16;
    std::vector<int8_t> i8;
    std::vector<float> scale;  // I8: one per (pos, head)
  };
  void store_plane(Plane& plane, int pos, std::span<const float> x);
  void load_plane(const Plane& plane, int pos, int head, std::span<float> out) const;
  KvRows rows(const Plane& plane, int head) const;
  // Index of (pos, head) among the rows: head-major.
  size_t slot(int pos, int head) const {
    return static_cast<size_t>(head) * static_cast<size_t>(m_capacity) + static_cast<size_t>(pos);
  }

  KvType m_type;
  int m_n_head_kv;
  int m_head_dim;
  int m_capacity;
  Plane m_k;
  Plane m_v;
};

}  // namespace etchsim::numerics
