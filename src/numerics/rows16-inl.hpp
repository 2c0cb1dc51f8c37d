// Prompt batches over 16 rows at once with 512-bit vectors (AVX-512 VNNI, the AVX3_DL target):
// two consecutive groups of 8 rows side by side, group A's rows in lanes 0..7 and group B's in
// lanes 8..15. Every lane sees exactly the operations the 8-row kernels of rows8-inl.hpp give its
// row (the same exact integer sums, then the same f32 multiply and fma), so the results are
// bit-identical to them. The gain is per instruction: a core that executes 512-bit vector
// operations at full width (Zen 5) does the VNNI work of a prompt batch in half the
// instructions; on Zen 4, which splits them in two, the count of operations is the same.
// Included by dot_simd.cpp after rows8-inl.hpp and kquant_rows-inl.hpp, per Highway target (only
// AVX3_DL uses it).

#if HWY_TARGET == HWY_AVX3_DL

// Cat512 (kquant_rows-inl.hpp) of floats: a in the low half, b in the high half.
HWY_INLINE __m512 Cat512(__m256 a, __m256 b) {
  return _mm512_castpd_ps(
      _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(a)), _mm256_castps_pd(b), 1));
}

// Q4_0Group of 16 rows: lanes 0..7 group A's, 8..15 group B's.
struct Q4_0Group16 {
  __m512i lo[4];
  __m512i hi[4];
  __m512 d;
};

template <class Rows>
HWY_INLINE void DecodeQ4_0Group16(const Rows& a, const Rows& b, size_t block, Q4_0Group16& g) {
  Q4_0Group ga, gb;
  DecodeQ4_0Group(a, block, ga);
  DecodeQ4_0Group(b, block, gb);
  for (int k = 0; k < 4; ++k) {
    g.lo[k] = Cat512(ga.lo[k], gb.lo[k]);
    g.hi[k] = Cat512(ga.hi[k], gb.hi[k]);
  }
  g.d = Cat512(ga.d, gb.d);
}

// The same from the q4_0x8 copy: each group's codes are already in lane order, so the two
// groups' bytes are loaded side by side and split once.
HWY_INLINE void DecodeQ4_0Group16(const Q4_0Interleaved& a, const Q4_0Interleaved& b, size_t block,
                                  Q4_0Group16& g) {
  const __m512i m4 = _mm512_set1_epi8(0x0F);
  for (size_t k = 0; k < 4; ++k) {
    const __m512i v =
        Cat512(LoadU256(a.group + 128 * block + 32 * k), LoadU256(b.group + 128 * block + 32 * k));
    g.lo[k] = _mm512_and_si512(v, m4);
    g.hi[k] = _mm512_and_si512(_mm512_srli_epi16(v, 4), m4);
  }
  g.d = _mm512_cvtph_ps(
      Load2x128(a.group + 128 * a.blocks + 16 * block, b.group + 128 * b.blocks + 16 * block));
}

// Q4_0GroupFma (VNNI) over 16 lanes.
HWY_INLINE __m512 Q4_0Group16Fma(const Q4_0Group16& g, const int8_t* qs, float da, int32_t asum,
                                 __m512 acc) {
  __m512i lo = _mm512_set1_epi32(-8 * asum);
  __m512i hi = _mm512_setzero_si512();
  for (int k = 0; k < 4; ++k) {
    asm("vpdpbusd %2%{1to16%}, %1, %0"
        : "+v"(lo)
        : "v"(g.lo[k]), "m"(*reinterpret_cast<const int8_t(*)[4]>(qs + 4 * k)));
    asm("vpdpbusd %2%{1to16%}, %1, %0"
        : "+v"(hi)
        : "v"(g.hi[k]), "m"(*reinterpret_cast<const int8_t(*)[4]>(qs + 16 + 4 * k)));
  }
  const __m512i isum = _mm512_add_epi32(lo, hi);
  const __m512 scale = _mm512_mul_ps(g.d, _mm512_set1_ps(da));
  return _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), scale, acc);
}

// Q4_0Rows8Tokens over rows [r, r + 16): group A at `a`, B at `b`. [next, next_end): the next
// rows, prefetched spread over the blocks when `prefetch` (the first pass over these rows: the
// later passes find the next rows in cache).
template <size_t kTokens, class Rows>
HWY_INLINE void Q4_0Rows16Tokens(const Rows& a, const Rows& b, const RowsTask* tasks, size_t blocks,
                                 int64_t r, const std::byte* next, const std::byte* next_end,
                                 bool prefetch) {
  const gguf::BlockQ8_0* act[kTokens];
  const int32_t* asum[kTokens];
  const float* da[kTokens];
  __m512 acc[kTokens];
  for (size_t t = 0; t < kTokens; ++t) {
    act[t] = tasks[t].x->q8_0().data();
    asum[t] = tasks[t].q8_0_sums;
    da[t] = tasks[t].q8_0_d;
    acc[t] = _mm512_setzero_ps();
  }
  Q4_0Group16 g;
  const size_t lines = prefetch ? static_cast<size_t>(next_end - next) / 64 : 0;
  for (size_t blk = 0; blk < blocks; ++blk) {
    PrefetchSpread(next, lines * blk / blocks, lines * (blk + 1) / blocks);
    DecodeQ4_0Group16(a, b, blk, g);
#pragma GCC unroll 16
    for (size_t t = 0; t < kTokens; ++t) {
      acc[t] = Q4_0Group16Fma(g, act[t][blk].qs, da[t][blk], asum[t][blk], acc[t]);
    }
  }
  for (size_t t = 0; t < kTokens; ++t) _mm512_storeu_ps(tasks[t].y + r, acc[t]);
}

// Q4_0Rows8Batch over rows [r, r + 16).
template <class Rows>
HWY_INLINE void Q4_0Rows16Batch(const Rows& a, const Rows& b, const RowsTask* tasks, size_t n,
                                int64_t r, const std::byte* next, const std::byte* next_end) {
  const size_t blocks = tasks[0].x->q8_0().size();
  ForTokenBatches(n, [&]<size_t kTokens>(size_t t) {
    Q4_0Rows16Tokens<kTokens>(a, b, tasks + t, blocks, r, next, next_end, t == 0);
  });
}

// Q4_KHeads of 16 rows, the mins' bytes already split into int16 lanes for madd: mn[0] / mn[1]
// mn_lo's bytes k, k + 2 / k + 1, k + 3, mn[2] / mn[3] the same of mn_hi (as Q4_KMins splits them).
struct Q4_KHeads16 {
  __m512i sc_lo, sc_hi;
  __m512i mn[4];
  __m512 d, dmin;
};

HWY_INLINE Q4_KHeads16 Q4_KGroupHeads16(const std::byte* pa, const std::byte* pb, size_t stride) {
  const Q4_KHeads a = Q4_KGroupHeads(pa, stride);
  const Q4_KHeads b = Q4_KGroupHeads(pb, stride);
  const __m512i even = _mm512_set1_epi16(0x00FF);
  const __m512i mn_lo = Cat512(a.mn_lo, b.mn_lo);
  const __m512i mn_hi = Cat512(a.mn_hi, b.mn_hi);
  Q4_KHeads16 h;
  h.sc_lo = Cat512(a.sc_lo, b.sc_lo);
  h.sc_hi = Cat512(a.sc_hi, b.sc_hi);
  h.mn[0] = _mm512_and_si512(mn_lo, even);
  h.mn[1] = _mm512_and_si512(_mm512_srli_epi16(mn_lo, 8), even);
  h.mn[2] = _mm512_and_si512(mn_hi, even);
  h.mn[3] = _mm512_and_si512(_mm512_srli_epi16(mn_hi, 8), even);
  h.d = Cat512(a.d, b.d);
  h.dmin = Cat512(a.dmin, b.dmin);
  return h;
}

// Q4_KMins over 16 lanes.
HWY_INLINE __m512i Q4_KMins16(const Q4_KHeads16& h, const gguf::BlockQ8_K& x) {
  const __m128i pairs = Q4_KSumPairs(x);
  const __m512i s02 = _mm512_set1_epi32(_mm_extract_epi32(pairs, 0));
  const __m512i s13 = _mm512_set1_epi32(_mm_extract_epi32(pairs, 1));
  const __m512i s46 = _mm512_set1_epi32(_mm_extract_epi32(pairs, 2));
  const __m512i s57 = _mm512_set1_epi32(_mm_extract_epi32(pairs, 3));
  return _mm512_add_epi32(
      _mm512_add_epi32(_mm512_madd_epi16(h.mn[0], s02), _mm512_madd_epi16(h.mn[1], s13)),
      _mm512_add_epi32(_mm512_madd_epi16(h.mn[2], s46), _mm512_madd_epi16(h.mn[3], s57)));
}

// Transpose4x4 (x86_blocks-inl.hpp) within each 128-bit lane of four 512-bit vectors.
HWY_INLINE void Transpose4x4(__m512i v[4]) {
  const __m512i t0 = _mm512_unpacklo_epi32(v[0], v[1]);
  const __m512i t1 = _mm512_unpackhi_epi32(v[0], v[1]);
  const __m512i t2 = _mm512_unpacklo_epi32(v[2], v[3]);
  const __m512i t3 = _mm512_unpackhi_epi32(v[2], v[3]);
  v[0] = _mm512_unpacklo_epi64(t0, t2);
  v[1] = _mm512_unpackhi_epi64(t0, t2);
  v[2] = _mm512_unpacklo_epi64(t1, t3);
  v[3] = _mm512_unpackhi_epi64(t1, t3);
}

// Q4_KChunk8 of 16 rows: chunk c of group A's 8 rows (at qs_a, `stride` apart) in lanes 0..7,
// group B's in lanes 8..15, decoded as DecodeQ4_KChunk8 does within each 256-bit half.
struct Q4_KChunk16 {
  __m512i lo[4][2];
  __m512i hi[4][2];
};

HWY_INLINE void DecodeQ4_KChunk16(const std::byte* qs_a, const std::byte* qs_b, size_t stride,
                                  Q4_KChunk16& q) {
  const __m512i m4 = _mm512_set1_epi8(0x0F);
  __m512i v[8];  // 128-bit lanes: row r's bytes 0..15, 16..31 of A, then of B
  for (size_t r = 0; r < 8; ++r)
    v[r] = Cat512(LoadU256(qs_a + r * stride), LoadU256(qs_b + r * stride));
  // Per half, as DecodeQ4_KChunk8's permute2x128: rows i and i + 4 in one register's lanes.
  const __m512i first = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13);
  const __m512i second = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
  __m512i w[8];
  for (size_t i = 0; i < 4; ++i) {
    w[i] = _mm512_permutex2var_epi64(v[i], first, v[i + 4]);       // bytes 0..15 of rows i, i + 4
    w[i + 4] = _mm512_permutex2var_epi64(v[i], second, v[i + 4]);  // bytes 16..31
  }
  Transpose4x4(w);
  Transpose4x4(w + 4);
  for (int k = 0; k < 8; ++k) {
    q.lo[k / 2][k % 2] = _mm512_and_si512(w[k], m4);
    q.hi[k / 2][k % 2] = _mm512_and_si512(_mm512_srli_epi16(w[k], 4), m4);
  }
}

// Q4_KSubDot over 16 lanes.
HWY_INLINE __m512i Q4_KSubDot16(const __m512i codes[4][2], const int8_t* a) {
  __m512i d0 = _mm512_setzero_si512();
  __m512i d1 = _mm512_setzero_si512();
  for (int k = 0; k < 4; ++k) {
    asm("vpdpbusd %2%{1to16%}, %1, %0"
        : "+v"(d0)
        : "v"(codes[k][0]), "m"(*reinterpret_cast<const int8_t(*)[4]>(a + 8 * k)));
    asm("vpdpbusd %2%{1to16%}, %1, %0"
        : "+v"(d1)
        : "v"(codes[k][1]), "m"(*reinterpret_cast<const int8_t(*)[4]>(a + 8 * k + 4)));
  }
  return _mm512_add_epi32(d0, d1);
}

// Q4_KRows8Tokens (VNNI) over rows [r0, r0 + 16): group A's blocks from row0, B's from row8;
// next, next_end, prefetch as Q4_0Rows16Tokens.
template <size_t kTokens>
HWY_INLINE void Q4_KRows16Tokens(const std::byte* row0, const std::byte* row8, size_t stride,
                                 size_t block_step, const RowsTask* tasks, size_t blocks,
                                 int64_t r0, const std::byte* next, const std::byte* next_end,
                                 bool prefetch) {
  const gguf::BlockQ8_K* act[kTokens];
  __m512 acc[kTokens], accm[kTokens];
  for (size_t t = 0; t < kTokens; ++t) {
    act[t] = tasks[t].x->q8_k().data();
    acc[t] = accm[t] = _mm512_setzero_ps();
  }
  const __m512i byte = _mm512_set1_epi32(0xFF);
  const size_t lines = prefetch ? static_cast<size_t>(next_end - next) / 64 : 0;
  for (size_t b = 0; b < blocks; ++b) {
    PrefetchSpread(next, lines * b / blocks, lines * (b + 1) / blocks);
    const std::byte* pa = row0 + b * block_step;
    const std::byte* pb = row8 + b * block_step;
    const Q4_KHeads16 h = Q4_KGroupHeads16(pa, pb, stride);
    __m512i totals[kTokens];
    for (size_t t = 0; t < kTokens; ++t) totals[t] = _mm512_setzero_si512();
    for (int c = 0; c < 4; ++c) {
      const size_t at = offsetof(gguf::BlockQ4_K, qs) + 32 * static_cast<size_t>(c);
      Q4_KChunk16 q;
      DecodeQ4_KChunk16(pa + at, pb + at, stride, q);
      // As Q4_KRows8Tokens: the scales of sub-blocks 2c and 2c + 1 in each row's lane.
      const __m512i src = c < 2 ? h.sc_lo : h.sc_hi;
      const unsigned shift = 16 * (static_cast<unsigned>(c) % 2);
      const __m512i sc_even = _mm512_and_si512(_mm512_srli_epi32(src, shift), byte);
      const __m512i sc_odd = _mm512_and_si512(_mm512_srli_epi32(src, shift + 8), byte);
      for (size_t t = 0; t < kTokens; ++t) {
        const int8_t* a = act[t][b].qs + 64 * c;
        totals[t] = _mm512_add_epi32(
            totals[t], _mm512_add_epi32(_mm512_mullo_epi32(Q4_KSubDot16(q.lo, a), sc_even),
                                        _mm512_mullo_epi32(Q4_KSubDot16(q.hi, a + 32), sc_odd)));
      }
    }
    // Q4_KGroupFmaTotals over 16 lanes.
    for (size_t t = 0; t < kTokens; ++t) {
      const __m512 yd = _mm512_set1_ps(act[t][b].d);
      acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(totals[t]), _mm512_mul_ps(h.d, yd), acc[t]);
      accm[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(Q4_KMins16(h, act[t][b])),
                                _mm512_mul_ps(h.dmin, yd), accm[t]);
    }
  }
  for (size_t t = 0; t < kTokens; ++t) {
    _mm512_storeu_ps(tasks[t].y + r0, _mm512_sub_ps(acc[t], accm[t]));
  }
}

// Q4_KRows8Batch (VNNI) over rows [r0, r0 + 16).
HWY_INLINE void Q4_KRows16Batch(const std::byte* row0, const std::byte* row8, size_t stride,
                                size_t block_step, const RowsTask* tasks, size_t n, int64_t r0,
                                const std::byte* next, const std::byte* next_end) {
  const size_t blocks = tasks[0].x->q8_k().size();
  ForTokenBatches(n, [&]<size_t kTokens>(size_t t) {
    Q4_KRows16Tokens<kTokens>(row0, row8, stride, block_step, tasks + t, blocks, r0, next, next_end,
                              t == 0);
  });
}

#endif  // HWY_TARGET == HWY_AVX3_DL
