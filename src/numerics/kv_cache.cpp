// KV cache storage per element type (kv_cache.hpp; docs/formats.md §5.3 item 5).
#include "etchsim/numerics/kv_cache.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "dot_rows.hpp"
#include "etchsim/gguf/fp16.hpp"

namespace etchsim::numerics {

KvCache::KvCache(KvType type, int n_head_kv, int head_dim, int capacity)
    : m_type(type), m_n_head_kv(n_head_kv), m_head_dim(head_dim), m_capacity(capacity) {
  if (n_head_kv <= 0 || head_dim <= 0 || capacity <= 0) {
    throw std::invalid_argument("KvCache: heads, head_dim and capacity must be positive");
  }
  const auto values = static_cast<size_t>(n_head_kv) * static_cast<size_t>(head_dim) *
                      static_cast<size_t>(capacity);
  for (Plane* plane : {&m_k, &m_v}) {
    switch (type) {
      case KvType::F32:
        plane->f32.assign(values, 0.0f);
        break;
      case KvType::F16:
        plane->f16.assign(values, 0);
        break;
      case KvType::I8:
        plane->i8.assign(values, 0);
        plane->scale.assign(static_cast<size_t>(n_head_kv) * static_cast<size_t>(capacity), 0.0f);
        break;
    }
  }
}

void KvCache::store(int pos, std::span<const float> k, std::span<const float> v) {
  const auto n = static_cast<size_t>(m_n_head_kv) * static_cast<size_t>(m_head_dim);
  if (pos < 0 || pos >= m_capacity || k.size() != n || v.size() != n) {
    throw std::invalid_argument("KvCache::store: position out of range or wrong K/V size");
  }
  store_plane(m_k, pos, k);
  store_plane(m_v, pos, v);
}

void KvCache::store_plane(Plane& plane, int pos, std::span<const float> x) {
  const auto hd = static_cast<size_t>(m_head_dim);
  for (int head = 0; head < m_n_head_kv; ++head) {
    const std::span<const float> vec = x.subspan(static_cast<size_t>(head) * hd, hd);
    const size_t row = slot(pos, head);
    const size_t base = row * hd;
    switch (m_type) {
      case KvType::F32:
        std::copy(vec.begin(), vec.end(), plane.f32.begin() + static_cast<ptrdiff_t>(base));
        break;
      case KvType::F16:
        for (size_t i = 0; i < hd; ++i) plane.f16[base + i] = gguf::fp32_to_fp16(vec[i]);
        break;
      case KvType::I8: {
        float amax = 0.0f;
        for (const float e : vec) amax = std::max(amax, std::fabs(e));
        const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
        for (size_t i = 0; i < hd; ++i) {
          const float q = std::clamp(std::nearbyint(vec[i] * id), -127.0f, 127.0f);
          plane.i8[base + i] = static_cast<int8_t>(q);
        }
        plane.scale[row] = amax / 127.0f;
        break;
      }
    }
  }
}

void KvCache::load_plane(const Plane& plane, int pos, int head, std::span<float> out) const {
  const auto hd = static_cast<size_t>(m_head_dim);
  if (pos < 0 || pos >= m_capacity || head < 0 || head >= m_n_head_kv || out.size() != hd) {
    throw std::invalid_argument("KvCache::load: position or head out of range");
  }
  const size_t row = slot(pos, head);
  const size_t base = row * hd;
  switch (m_type) {
    case KvType::F32:
      std::copy_n(plane.f32.begin() + static_cast<ptrdiff_t>(base), hd, out.begin());
      break;
    case KvType::F16:
      detail::half_to_float_fast(plane.f16.data() + base, out.data(), hd);
      break;
    case KvType::I8:
      for (size_t i = 0; i < hd; ++i) {
        out[i] = static_cast<float>(plane.i8[base + i]) * plane.scale[row];
      }
      break;
  }
}

KvRows KvCache::rows(const Plane& plane, int head) const {
  if (head < 0 || head >= m_n_head_kv) throw std::invalid_argument("KvCache::rows: no such head");
  const size_t first = slot(0, head);
  const size_t base = first * static_cast<size_t>(m_head_dim);
  switch (m_type) {
    case KvType::F32:
      return {m_type, plane.f32.data() + base, nullptr, nullptr, nullptr};
    case KvType::F16:
      return {m_type, nullptr, plane.f16.data() + base, nullptr, nullptr};
    case KvType::I8:
      break;
  }
  return {m_type, nullptr, nullptr, plane.i8.data() + base, plane.scale.data() + first};
}

void KvCache::load_k(int pos, int head, std::span<float> out) const {
  load_plane(m_k, pos, head, out);
}

void KvCache::load_v(int pos, int head, std::span<float> out) const {
  load_plane(m_v, pos, head, out);
}

}  // namespace etchsim::numerics
