// The Repacked order (dot.hpp) for 8 consecutive rows at once, one row per f32 lane, as
// llama.cpp's CPU_REPACK gemv computes it (ggml_gemv_q4_0_8x8_q8_0, ggml_gemv_q4_K_8x8_q8_K:
// eight interleaved rows, `acc_row = fma(cvt(iacc), col_scale * row_scale, acc_row)` per block).
// The rows stay in the file's layout: block b of the 8 rows is read at row stride, so no repacked
// copy of the weights exists. Each lane sees exactly the scalar reference's sequence of fmas
// (dot_q4_0_repacked, dot_k_repacked in dot_scalar.cpp), so the results are bit-identical.
// Included per Highway target by dot_simd.cpp (see x86_blocks-inl.hpp).

// Block b of 8 Q4_0 rows, decoded once: lo[k] / hi[k] lane r = bytes 4k..4k+3 of row r's
// elements 0..15 (low nibbles) / 16..31 (high nibbles) as unsigned codes, d lane r = row r's
// scale. [next, next_end) is the next group of 8 rows (empty: none), prefetched meanwhile.
struct Q4_0Group {
  __m256i lo[4];
  __m256i hi[4];
  __m256 d;
};

HWY_INLINE void DecodeQ4_0Group(const std::byte* row0, size_t stride, size_t b,
                                const std::byte* next, const std::byte* next_end, Q4_0Group& g) {
  const __m256i m4 = _mm256_set1_epi8(0x0F);
  const std::byte* p = row0 + b * sizeof(gguf::BlockQ4_0);
  const std::byte* qs = p + offsetof(gguf::BlockQ4_0, qs);
  PrefetchGroupLines<3>(next, next_end, b);  // a group: 8 * 18 = 144 bytes (2.25 lines) a block
  __m256i v[4];
  for (size_t i = 0; i < 4; ++i) v[i] = Load2x128(qs + i * stride, qs + (i + 4) * stride);
  Transpose4x4(v);  // v[k] lane r: bytes 4k..4k+3 of row r's qs
  // Byte j of qs holds element j (low nibble) and j + 16 (high).
  for (int k = 0; k < 4; ++k) {
    g.lo[k] = _mm256_and_si256(v[k], m4);
    g.hi[k] = _mm256_and_si256(_mm256_srli_epi16(v[k], 4), m4);
  }
  g.d = HalfAt8RowsBlock(p + offsetof(gguf::BlockQ4_0, d), stride);
}

// acc lane r = fma(sum_e (q_re - 8) * a_e, fl(d_r * d_a), acc): one Repacked step of row r with
// the Q8_0 activation block `a` whose 32 codes sum to `asum` (the -8 offset of the Q4_0 codes is
// applied as -8 * asum, keeping the codes unsigned for maddubs).
HWY_INLINE __m256 Q4_0GroupFma(const Q4_0Group& g, const gguf::BlockQ8_0& a, int32_t asum,
                               __m256 acc) {
  // Each maddubs pair sum is at most 2 * 15 * 128, so the 8 int16 adds stay below 2^15.
  __m256i s16 = _mm256_setzero_si256();
  for (int k = 0; k < 4; ++k) {
    s16 = _mm256_add_epi16(s16,
                           _mm256_maddubs_epi16(g.lo[k], _mm256_set1_epi32(LoadI32(a.qs + 4 * k))));
    s16 = _mm256_add_epi16(
        s16, _mm256_maddubs_epi16(g.hi[k], _mm256_set1_epi32(LoadI32(a.qs + 16 + 4 * k))));
  }
  const __m256i isum =
      _mm256_sub_epi32(_mm256_madd_epi16(s16, _mm256_set1_epi16(1)), _mm256_set1_epi32(8 * asum));
  const __m256 scale = _mm256_mul_ps(g.d, _mm256_set1_ps(F16(a.d)));
  return _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), scale, acc);
}

// y[0..7] = the Q4_0 Repacked dots of rows row0, row0 + stride, ... with the Q8_0 activation
// (asum[b]: the sum of act[b]'s codes).
HWY_INLINE void Q4_0Rows8(const std::byte* row0, size_t stride, const gguf::BlockQ8_0* act,
                          const int32_t* asum, size_t blocks, float* y, const std::byte* next,
                          const std::byte* next_end) {
  __m256 acc = _mm256_setzero_ps();
  Q4_0Group g;
  for (size_t b = 0; b < blocks; ++b) {
    DecodeQ4_0Group(row0, stride, b, next, next_end, g);
    acc = Q4_0GroupFma(g, act[b], asum[b], acc);
  }
  _mm256_storeu_ps(y, acc);
}

// Q4_0Rows8 for the rows [r, r + 8) of n tasks (prompt tokens, same weights): each block of the
// 8 rows is decoded once and multiplied with every token's activation block; per token the same
// sequence of fmas as Q4_0Rows8, so the results are bit-identical to it.
HWY_INLINE void Q4_0Rows8Batch(const std::byte* row0, size_t stride, const RowsTask* tasks,
                               size_t n, int64_t r, const std::byte* next,
                               const std::byte* next_end) {
  constexpr size_t kTokens = 16;  // accumulators per pass
  const size_t blocks = tasks[0].x->q8_0().size();
  Q4_0Group g;
  for (size_t t0 = 0; t0 < n; t0 += kTokens) {
    const size_t m = std::min(kTokens, n - t0);
    __m256 acc[kTokens];
    for (size_t t = 0; t < m; ++t) acc[t] = _mm256_setzero_ps();
    for (size_t b = 0; b < blocks; ++b) {
      DecodeQ4_0Group(row0, stride, b, t0 == 0 ? next : nullptr, t0 == 0 ? next_end : nullptr, g);
      for (size_t t = 0; t < m; ++t) {
        const RowsTask& task = tasks[t0 + t];
        acc[t] = Q4_0GroupFma(g, task.x->q8_0()[b], task.q8_0_sums[b], acc[t]);
      }
    }
    for (size_t t = 0; t < m; ++t) _mm256_storeu_ps(tasks[t0 + t].y + r, acc[t]);
  }
}

// The 6-bit scales and mins of a Q4_K / Q5_K super-block (get_scale_min_k4, as ggml's kmask
// unpacking): sc[0..7] in bytes 0..7, m[0..7] in bytes 8..15 of `out`.
HWY_INLINE void ScalesMinsK4(const std::byte* scales, uint8_t out[16]) {
  constexpr uint32_t kLow6 = 0x3f3f3f3f, kLow4 = 0x0f0f0f0f, kLow2 = 0x03030303;
  uint32_t u[4];
  std::memcpy(u, scales, 12);
  u[3] = ((u[2] >> 4) & kLow4) | (((u[1] >> 6) & kLow2) << 4);
  const uint32_t mins_lo = u[1] & kLow6;
  u[1] = (u[2] & kLow4) | (((u[0] >> 6) & kLow2) << 4);
  u[2] = mins_lo;
  u[0] &= kLow6;
  std::memcpy(out, u, 16);
}

// y[0..7] = the Q4_K Repacked dots of 8 rows `stride` bytes apart with the Q8_K activation.
// [next, next_end): as Q4_0Rows8.
HWY_INLINE void Q4_KRows8(const std::byte* row0, size_t stride, const gguf::BlockQ8_K* act,
                          size_t blocks, float* y, const std::byte* next,
                          const std::byte* next_end) {
  const __m256i m4 = _mm256_set1_epi8(0x0F);
  __m256 acc = _mm256_setzero_ps();
  __m256 accm = _mm256_setzero_ps();
  for (size_t b = 0; b < blocks; ++b) {
    const gguf::BlockQ8_K& x = act[b];
    __m256i a[8];
    for (int c = 0; c < 8; ++c) a[c] = LoadU256(x.qs + 32 * c);
    // S_s = bsums(2s) + bsums(2s + 1), s = 0..7 (each below 2^12 in magnitude).
    const __m128i sub_sums = _mm_hadd_epi16(LoadU128(x.bsums), LoadU128(x.bsums + 8));
    const std::byte* p0 = row0 + b * sizeof(gguf::BlockQ4_K);
    __m256i totals[8];
    alignas(32) int32_t mins[8];
    for (size_t r = 0; r < 8; ++r) {
      // A group is 8 * 144 bytes = 18 lines a super-block: 3 prefetches in each of 6 rows.
      if (r < 6) PrefetchGroupLines<3>(next, next_end, 6 * b + r);
      const std::byte* p = p0 + r * stride;
      alignas(16) uint8_t sm[16];
      ScalesMinsK4(p + offsetof(gguf::BlockQ4_K, scales), sm);
      const std::byte* qs = p + offsetof(gguf::BlockQ4_K, qs);
      __m256i t = _mm256_setzero_si256();
      // Chunk c of 32 bytes: low nibbles are sub-block 2c, high nibbles sub-block 2c + 1.
      for (int c = 0; c < 4; ++c) {
        const __m256i q = LoadU256(qs + 32 * c);
        const __m256i lo = _mm256_and_si256(q, m4);
        const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
        t = _mm256_add_epi32(t, ScaledQuads(lo, a[2 * c], _mm256_set1_epi16(sm[2 * c])));
        t = _mm256_add_epi32(t, ScaledQuads(hi, a[2 * c + 1], _mm256_set1_epi16(sm[2 * c + 1])));
      }
      totals[r] = t;
      const __m128i m = _mm_madd_epi16(
          _mm_cvtepu8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(sm + 8))), sub_sums);
      const __m128i m2 = _mm_hadd_epi32(m, m);
      mins[r] = _mm_cvtsi128_si32(_mm_hadd_epi32(m2, m2));
    }
    const __m256 yd = _mm256_set1_ps(x.d);
    const __m256 d = HalfAt8Rows(p0 + offsetof(gguf::BlockQ4_K, d), stride);
    const __m256 dmin = HalfAt8Rows(p0 + offsetof(gguf::BlockQ4_K, dmin), stride);
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(SumLanes8(totals)), _mm256_mul_ps(d, yd), acc);
    accm = _mm256_fmadd_ps(
        _mm256_cvtepi32_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(mins))),
        _mm256_mul_ps(dmin, yd), accm);
  }
  _mm256_storeu_ps(y, _mm256_sub_ps(acc, accm));
}
