// The Repacked order (dot.hpp) for 8 consecutive rows at once, one row per f32 lane, as
// llama.cpp's CPU_REPACK gemv computes it (ggml_gemv_q4_0_8x8_q8_0, ggml_gemv_q4_K_8x8_q8_K:
// eight interleaved rows, `acc_row = fma(cvt(iacc), col_scale * row_scale, acc_row)` per block).
// The rows are read either in the file's layout (block b of the 8 rows at row stride) or from an
// interleaved copy (repack.hpp: one sequential stream; Q4_0Interleaved needs no transpose, Q4_K
// reads its q4_Kx8 blocks with a block stride). Each lane sees exactly the scalar reference's
// sequence of fmas (dot_q4_0_repacked, dot_k_repacked in dot_scalar.cpp), so the results are
// bit-identical. Included per Highway target by dot_simd.cpp (see x86_blocks-inl.hpp).

// Block b of 8 Q4_0 rows, decoded once: lo[k] / hi[k] lane r = bytes 4k..4k+3 of row r's
// elements 0..15 (low nibbles) / 16..31 (high nibbles) as unsigned codes, d lane r = row r's
// scale.
struct Q4_0Group {
  __m256i lo[4];
  __m256i hi[4];
  __m256 d;
};

// Byte j of qs holds element j (low nibble) and j + 16 (high): v[k] lane r = bytes 4k..4k+3 of
// row r's qs, split into g.lo / g.hi.
HWY_INLINE void SplitQ4_0Nibbles(const __m256i v[4], Q4_0Group& g) {
  const __m256i m4 = _mm256_set1_epi8(0x0F);
  for (int k = 0; k < 4; ++k) {
    g.lo[k] = _mm256_and_si256(v[k], m4);
    g.hi[k] = _mm256_and_si256(_mm256_srli_epi16(v[k], 4), m4);
  }
}

// 8 Q4_0 rows in the file's layout: row 0 at row0, the others `stride` bytes apart.
struct Q4_0Strided {
  const std::byte* row0;
  size_t stride;
};

HWY_INLINE void DecodeQ4_0Group(const Q4_0Strided& rows, size_t b, Q4_0Group& g) {
  const std::byte* p = rows.row0 + b * sizeof(gguf::BlockQ4_0);
  const std::byte* qs = p + offsetof(gguf::BlockQ4_0, qs);
  __m256i v[4];
  for (size_t i = 0; i < 4; ++i) {
    v[i] = Load2x128(qs + i * rows.stride, qs + (i + 4) * rows.stride);
  }
  Transpose4x4(v);  // v[k] lane r: bytes 4k..4k+3 of row r's qs
  SplitQ4_0Nibbles(v, g);
  g.d = HalfAt8RowsBlock(p + offsetof(gguf::BlockQ4_0, d), rows.stride);
}

// One group of 8 Q4_0 rows in the q4_0x8 layout (repack.hpp): `blocks` blocks of 128 code bytes
// (already in the lanes DecodeQ4_0Group's transpose gives), then the blocks' 8 fp16 scales.
struct Q4_0Interleaved {
  const std::byte* group;
  size_t blocks;
};

HWY_INLINE void DecodeQ4_0Group(const Q4_0Interleaved& rows, size_t b, Q4_0Group& g) {
  const std::byte* codes = rows.group + 128 * b;
  __m256i v[4];
  for (size_t k = 0; k < 4; ++k) v[k] = LoadU256(codes + 32 * k);
  SplitQ4_0Nibbles(v, g);
  g.d = _mm256_cvtph_ps(LoadU128(rows.group + 128 * rows.blocks + 16 * b));
}

// acc lane r = fma(sum_e (q_re - 8) * a_e, fl(d_r * da), acc): one Repacked step of row r with
// the Q8_0 activation codes `qs` (scale da, exactly its fp16 d widened) whose 32 codes sum to
// `asum` (the -8 offset of the Q4_0 codes is applied as -8 * asum, keeping the codes unsigned for
// maddubs / vpdpbusd).
HWY_INLINE __m256 Q4_0GroupFma(const Q4_0Group& g, const int8_t* qs, float da, int32_t asum,
                               __m256 acc) {
#if HWY_TARGET == HWY_AVX3_DL
  // VNNI: two int32 chains (low and high nibbles, the first starting at -8 * asum), each 4-byte
  // dot one vpdpbusd with the activation's 4 bytes broadcast from memory.
  __m256i lo = _mm256_set1_epi32(-8 * asum);
  __m256i hi = _mm256_setzero_si256();
  for (int k = 0; k < 4; ++k) {
    asm("vpdpbusd %2%{1to8%}, %1, %0"
        : "+v"(lo)
        : "v"(g.lo[k]), "m"(*reinterpret_cast<const int8_t(*)[4]>(qs + 4 * k)));
    asm("vpdpbusd %2%{1to8%}, %1, %0"
        : "+v"(hi)
        : "v"(g.hi[k]), "m"(*reinterpret_cast<const int8_t(*)[4]>(qs + 16 + 4 * k)));
  }
  const __m256i isum = _mm256_add_epi32(lo, hi);
#else
  // Each maddubs pair sum is at most 2 * 15 * 128, so the 8 int16 adds stay below 2^15.
  __m256i s16 = _mm256_setzero_si256();
  for (int k = 0; k < 4; ++k) {
    s16 = _mm256_add_epi16(s16,
                           _mm256_maddubs_epi16(g.lo[k], _mm256_set1_epi32(LoadI32(qs + 4 * k))));
    s16 = _mm256_add_epi16(
        s16, _mm256_maddubs_epi16(g.hi[k], _mm256_set1_epi32(LoadI32(qs + 16 + 4 * k))));
  }
  const __m256i isum =
      _mm256_sub_epi32(_mm256_madd_epi16(s16, _mm256_set1_epi16(1)), _mm256_set1_epi32(8 * asum));
#endif
  const __m256 scale = _mm256_mul_ps(g.d, _mm256_set1_ps(da));
  return _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), scale, acc);
}

// y[0..7] = the Q4_0 Repacked dots of rows row0, row0 + stride, ... with the Q8_0 activation
// (asum[b]: the sum of act[b]'s codes, da[b] its scale as f32). [next, next_end): the next group
// of 8 rows, prefetched spread evenly over the blocks (about 2.25 lines a block at 4096 columns;
// a fixed 3 lines a block over-fetched and measured slower, spread measured ~8% faster than none
// on one thread streaming 14336 x 4096 matrices from memory).
template <class Rows>
HWY_INLINE void Q4_0Rows8(const Rows& rows, const gguf::BlockQ8_0* act, const int32_t* asum,
                          const float* da, size_t blocks, float* y, const std::byte* next,
                          const std::byte* next_end) {
  __m256 acc = _mm256_setzero_ps();
  Q4_0Group g;
  const size_t lines = static_cast<size_t>(next_end - next) / 64;
  for (size_t b = 0; b < blocks; ++b) {
    PrefetchSpread(next, lines * b / blocks, lines * (b + 1) / blocks);
    DecodeQ4_0Group(rows, b, g);
    acc = Q4_0GroupFma(g, act[b].qs, da[b], asum[b], acc);
  }
  _mm256_storeu_ps(y, acc);
}

// Q4_0Rows8 for kTokens tasks at once, the accumulators in registers (kTokens is a compile-time
// count so they need not live in memory).
template <size_t kTokens, class Rows>
HWY_INLINE void Q4_0Rows8Tokens(const Rows& rows, const RowsTask* tasks, size_t blocks, int64_t r) {
  const gguf::BlockQ8_0* act[kTokens];
  const int32_t* asum[kTokens];
  const float* da[kTokens];
  __m256 acc[kTokens];
  for (size_t t = 0; t < kTokens; ++t) {
    act[t] = tasks[t].x->q8_0().data();
    asum[t] = tasks[t].q8_0_sums;
    da[t] = tasks[t].q8_0_d;
    acc[t] = _mm256_setzero_ps();
  }
  Q4_0Group g;
  for (size_t b = 0; b < blocks; ++b) {
    DecodeQ4_0Group(rows, b, g);
    // Unrolled, the accumulators stay in registers (GCC otherwise keeps the loop and acc[] on the
    // stack): 64-token prefill of the 8B q4_0 shape 20.6-20.8 -> 22.7-24.4 tokens/s.
#pragma GCC unroll 16
    for (size_t t = 0; t < kTokens; ++t) {
      acc[t] = Q4_0GroupFma(g, act[t][b].qs, da[t][b], asum[t][b], acc[t]);
    }
  }
  for (size_t t = 0; t < kTokens; ++t) _mm256_storeu_ps(tasks[t].y + r, acc[t]);
}

// Calls run.template operator()<K>(t) for consecutive batches of K = 16, 8, 4, 2 or 1 of the n
// tasks, t the batch's first: the token counts the prompt-batch kernels are compiled for.
template <class Run>
HWY_INLINE void ForTokenBatches(size_t n, Run&& run) {
  size_t t = 0;
  for (; t + 16 <= n; t += 16) run.template operator()<16>(t);
  if (t + 8 <= n) {
    run.template operator()<8>(t);
    t += 8;
  }
  if (t + 4 <= n) {
    run.template operator()<4>(t);
    t += 4;
  }
  if (t + 2 <= n) {
    run.template operator()<2>(t);
    t += 2;
  }
  if (t < n) run.template operator()<1>(t);
}

// Q4_0Rows8 for the rows [r, r + 8) of n tasks (prompt tokens, same weights): each block of the
// 8 rows is decoded once and multiplied with every token's activation block; per token the same
// sequence of fmas as Q4_0Rows8, so the results are bit-identical to it.
template <class Rows>
HWY_INLINE void Q4_0Rows8Batch(const Rows& rows, const RowsTask* tasks, size_t n, int64_t r) {
  const size_t blocks = tasks[0].x->q8_0().size();
  ForTokenBatches(
      n, [&]<size_t kTokens>(size_t t) { Q4_0Rows8Tokens<kTokens>(rows, tasks + t, blocks, r); });
}

// The head of block b of 8 Q4_K rows (d, dmin and the 12 scale bytes: the first 16 bytes),
// unpacked for all 8 rows at once with get_scale_min_k4's kmask arithmetic on 32-bit lanes (lane
// r = row r): sc_lo / sc_hi bytes k = scales k / 4 + k of row r, mn_lo / mn_hi the same of the
// mins; d and dmin widened exactly from fp16.
struct Q4_KHeads {
  __m256i sc_lo, sc_hi, mn_lo, mn_hi;
  __m256 d, dmin;
};

HWY_INLINE Q4_KHeads Q4_KGroupHeads(const std::byte* p0, size_t stride) {
  const __m256i low6 = _mm256_set1_epi32(0x3f3f3f3f);
  const __m256i low4 = _mm256_set1_epi32(0x0f0f0f0f);
  const __m256i low2 = _mm256_set1_epi32(0x03030303);
  __m256i v[4];
  for (size_t i = 0; i < 4; ++i) v[i] = Load2x128(p0 + i * stride, p0 + (i + 4) * stride);
  Transpose4x4(v);  // v[0] lane r: d | dmin << 16; v[1..3]: scale bytes 0..11 as u32 words 0..2
  Q4_KHeads h;
  h.sc_lo = _mm256_and_si256(v[1], low6);
  h.mn_lo = _mm256_and_si256(v[2], low6);
  h.sc_hi =
      _mm256_or_si256(_mm256_and_si256(v[3], low4),
                      _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(v[1], 6), low2), 4));
  h.mn_hi =
      _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(v[3], 4), low4),
                      _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(v[2], 6), low2), 4));
  // Each half: d of its 4 rows in bytes 0..7, dmin in bytes 8..15; then rows 0..7 in order.
  const __m256i split = _mm256_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15,  //
                                         0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15);
  const __m256i halves = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(v[0], split), 0xD8);
  h.d = _mm256_cvtph_ps(_mm256_castsi256_si128(halves));
  h.dmin = _mm256_cvtph_ps(_mm256_extracti128_si256(halves, 1));
  return h;
}

// The activation's sub-block sums S_s = bsums(2s) + bsums(2s + 1) as int16 pairs in its four
// 32-bit words: (S_0, S_2), (S_1, S_3), (S_4, S_6), (S_5, S_7).
HWY_INLINE __m128i Q4_KSumPairs(const gguf::BlockQ8_K& x) {
  const __m128i s = _mm_hadd_epi16(LoadU128(x.bsums), LoadU128(x.bsums + 8));  // S_0..S_7
  return _mm_shuffle_epi8(s, _mm_setr_epi8(0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15));
}

// Lane r = sum over sub-blocks s of m_s(row r) * S_s, S_s = bsums(2s) + bsums(2s + 1) (exact:
// |m_s * S_s| < 2^6 * 2^12).
HWY_INLINE __m256i Q4_KMins(const Q4_KHeads& h, const gguf::BlockQ8_K& x) {
  const __m128i pairs = Q4_KSumPairs(x);
  const __m256i s02 = _mm256_set1_epi32(_mm_extract_epi32(pairs, 0));
  const __m256i s13 = _mm256_set1_epi32(_mm_extract_epi32(pairs, 1));
  const __m256i s46 = _mm256_set1_epi32(_mm_extract_epi32(pairs, 2));
  const __m256i s57 = _mm256_set1_epi32(_mm_extract_epi32(pairs, 3));
  const __m256i even = _mm256_set1_epi16(0x00FF);
  // mn bytes k, k + 2 of a lane as int16 (even) and bytes k + 1, k + 3 (odd).
  const __m256i lo_even = _mm256_and_si256(h.mn_lo, even);
  const __m256i lo_odd = _mm256_and_si256(_mm256_srli_epi16(h.mn_lo, 8), even);
  const __m256i hi_even = _mm256_and_si256(h.mn_hi, even);
  const __m256i hi_odd = _mm256_and_si256(_mm256_srli_epi16(h.mn_hi, 8), even);
  return _mm256_add_epi32(
      _mm256_add_epi32(_mm256_madd_epi16(lo_even, s02), _mm256_madd_epi16(lo_odd, s13)),
      _mm256_add_epi32(_mm256_madd_epi16(hi_even, s46), _mm256_madd_epi16(hi_odd, s57)));
}

// Row r of a group's block, decoded: unsigned codes of chunk c (32 bytes) as sub-blocks 2c (lo)
// and 2c + 1 (hi), and each sub-block's scale in every int16 lane.
struct Q4_KRowCodes {
  __m256i lo[4], hi[4], sc[8];
};

// p0: the group's block (row 0); sc01 / sc23: the scales of Q4_KScaleRows.
HWY_INLINE void DecodeQ4_KRow(const std::byte* p0, size_t stride, size_t r, __m256i sc01,
                              __m256i sc23, Q4_KRowCodes& k) {
  const __m256i m4 = _mm256_set1_epi8(0x0F);
  const __m256i src = (r & 2) != 0 ? sc23 : sc01;
  // Row r's qword (r & 1) of half r / 4, broadcast to all four qwords.
  const int q = static_cast<int>((r & 1) + 2 * (r / 4));
  const __m256i sc = q == 0   ? _mm256_permute4x64_epi64(src, 0x00)
                     : q == 1 ? _mm256_permute4x64_epi64(src, 0x55)
                     : q == 2 ? _mm256_permute4x64_epi64(src, 0xAA)
                              : _mm256_permute4x64_epi64(src, 0xFF);
  // Byte j of the row's 8 scale bytes, zero-extended (an index byte with its top bit set gives 0).
  for (int j = 0; j < 8; ++j) {
    k.sc[j] = _mm256_shuffle_epi8(sc, _mm256_set1_epi16(static_cast<int16_t>(0xFF00 | j)));
  }
  const std::byte* qs = p0 + r * stride + offsetof(gguf::BlockQ4_K, qs);
  // Chunk c of 32 bytes: low nibbles are sub-block 2c, high nibbles sub-block 2c + 1.
  for (int c = 0; c < 4; ++c) {
    const __m256i qv = LoadU256(qs + 32 * c);
    k.lo[c] = _mm256_and_si256(qv, m4);
    k.hi[c] = _mm256_and_si256(_mm256_srli_epi16(qv, 4), m4);
  }
}

// 8 int32 lanes summing to sum_s sc_s * sum over sub-block s of q * a (exact; any lane split of an
// integer total gives the same total).
HWY_INLINE __m256i Q4_KRowTotal(const Q4_KRowCodes& k, const gguf::BlockQ8_K& x) {
  // Two chains (low and high nibbles): a vpdpwssd waits for the previous one's result.
  __m256i lo = _mm256_setzero_si256();
  __m256i hi = _mm256_setzero_si256();
  for (int c = 0; c < 4; ++c) {
    lo = AddScaledQuads(lo, k.lo[c], LoadU256(x.qs + 64 * c), k.sc[2 * c]);
    hi = AddScaledQuads(hi, k.hi[c], LoadU256(x.qs + 64 * c + 32), k.sc[2 * c + 1]);
  }
  return _mm256_add_epi32(lo, hi);
}

// Per 128-bit half, the scale bytes 0..7 of rows r (qword 0) and r + 1 (qword 1) of its 4 rows:
// sc01 rows 0, 1 | 4, 5; sc23 rows 2, 3 | 6, 7.
HWY_INLINE void Q4_KScaleRows(const Q4_KHeads& h, __m256i& sc01, __m256i& sc23) {
  sc01 = _mm256_unpacklo_epi32(h.sc_lo, h.sc_hi);
  sc23 = _mm256_unpackhi_epi32(h.sc_lo, h.sc_hi);
}

// acc / accm lane r: one Repacked step of row r (acc: the scaled products, accm: the mins).
// row_totals lane r: row r's integer total of the block (Q4_KRowTotal's lanes summed).
HWY_INLINE void Q4_KGroupFmaTotals(const Q4_KHeads& h, __m256i row_totals, const gguf::BlockQ8_K& x,
                                   __m256& acc, __m256& accm) {
  const __m256 yd = _mm256_set1_ps(x.d);
  acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(row_totals), _mm256_mul_ps(h.d, yd), acc);
  accm = _mm256_fmadd_ps(_mm256_cvtepi32_ps(Q4_KMins(h, x)), _mm256_mul_ps(h.dmin, yd), accm);
}

HWY_INLINE void Q4_KGroupFma(const Q4_KHeads& h, const __m256i totals[8], const gguf::BlockQ8_K& x,
                             __m256& acc, __m256& accm) {
  Q4_KGroupFmaTotals(h, SumLanes8(totals), x, acc, accm);
}

// y[0..7] = the Q4_K Repacked dots of 8 rows `stride` bytes apart with the Q8_K activation,
// block b + 1 of each row `block_step` bytes after block b (the file's layout: stride = the row's
// bytes, step = one block; q4_Kx8, repack.hpp: stride = one block, step = 8 blocks).
// [next, next_end): as Q4_0Rows8.
HWY_INLINE void Q4_KRows8(const std::byte* row0, size_t stride, size_t block_step,
                          const gguf::BlockQ8_K* act, size_t blocks, float* y,
                          const std::byte* next, const std::byte* next_end) {
  __m256 acc = _mm256_setzero_ps();
  __m256 accm = _mm256_setzero_ps();
  Q4_KRowCodes k;
  for (size_t b = 0; b < blocks; ++b) {
    const std::byte* p0 = row0 + b * block_step;
    const Q4_KHeads h = Q4_KGroupHeads(p0, stride);
    __m256i sc01, sc23;
    Q4_KScaleRows(h, sc01, sc23);
    __m256i totals[8];
    for (size_t r = 0; r < 8; ++r) {
      // A group is 8 * 144 bytes = 18 lines a super-block: 3 prefetches in each of 6 rows.
      if (r < 6) PrefetchGroupLines<3>(next, next_end, 6 * b + r);
      DecodeQ4_KRow(p0, stride, r, sc01, sc23, k);
      totals[r] = Q4_KRowTotal(k, act[b]);
    }
    Q4_KGroupFma(h, totals, act[b], acc, accm);
  }
  _mm256_storeu_ps(y, _mm256_sub_ps(acc, accm));
}

#if HWY_TARGET == HWY_AVX3_DL
// Q4_K prompt batches with VNNI, rows in lanes as Q4_0: chunk c (32 bytes of qs: sub-block 2c in
// the low nibbles, 2c + 1 in the high) of the 8 rows, transposed so that lo[k] / hi[k] lane r
// holds row r's 4 codes of elements 4k..4k+3 of the sub-block.
struct Q4_KChunk8 {
  __m256i lo[4][2];  // [k / 2][k % 2]: quads k of sub-block 2c
  __m256i hi[4][2];  // the same of sub-block 2c + 1
};

// In-place 8x8 transpose of int32: afterwards v[k] lane r = what was lane k of v[r].
HWY_INLINE void Transpose8x8(__m256i v[8]) {
  Transpose4x4(v);      // within halves: v[0..3] from rows 0..3
  Transpose4x4(v + 4);  // rows 4..7
  for (int k = 0; k < 4; ++k) {
    const __m256i a = v[k], b = v[k + 4];
    v[k] = _mm256_permute2x128_si256(a, b, 0x20);      // dwords k of rows 0..3 | rows 4..7
    v[k + 4] = _mm256_permute2x128_si256(a, b, 0x31);  // dwords k + 4
  }
}

HWY_INLINE void DecodeQ4_KChunk8(const std::byte* qs0, size_t stride, Q4_KChunk8& q) {
  const __m256i m4 = _mm256_set1_epi8(0x0F);
  __m256i v[8];
  for (size_t r = 0; r < 8; ++r) v[r] = LoadU256(qs0 + r * stride);
  // Transpose4x4 pairs row i with row i + 4 in one register's halves; load in that order.
  __m256i w[8];
  for (size_t i = 0; i < 4; ++i) {
    w[i] = _mm256_permute2x128_si256(v[i], v[i + 4], 0x20);      // bytes 0..15 of rows i, i + 4
    w[i + 4] = _mm256_permute2x128_si256(v[i], v[i + 4], 0x31);  // bytes 16..31
  }
  Transpose4x4(w);      // w[k] lane r: dword k (bytes 4k..4k+3) of row r, k < 4
  Transpose4x4(w + 4);  // w[4 + k]: dword 4 + k
  for (int k = 0; k < 8; ++k) {
    q.lo[k / 2][k % 2] = _mm256_and_si256(w[k], m4);
    q.hi[k / 2][k % 2] = _mm256_and_si256(_mm256_srli_epi16(w[k], 4), m4);
  }
}

// Lane r = sum over the 32 elements of the sub-block of row r's codes times the activation
// codes a (8 vpdpbusd with a's 4-byte groups broadcast from memory; exact).
HWY_INLINE __m256i Q4_KSubDot(const __m256i codes[4][2], const int8_t* a) {
  __m256i d0 = _mm256_setzero_si256();
  __m256i d1 = _mm256_setzero_si256();
  for (int k = 0; k < 4; ++k) {
    asm("vpdpbusd %2%{1to8%}, %1, %0"
        : "+v"(d0)
        : "v"(codes[k][0]), "m"(*reinterpret_cast<const int8_t(*)[4]>(a + 8 * k)));
    asm("vpdpbusd %2%{1to8%}, %1, %0"
        : "+v"(d1)
        : "v"(codes[k][1]), "m"(*reinterpret_cast<const int8_t(*)[4]>(a + 8 * k + 4)));
  }
  return _mm256_add_epi32(d0, d1);
}

// Q4_KRows8Batch for kTokens tasks with VNNI: per block, per chunk, the 8 rows' codes decoded
// and transposed once, then each token's sub-block sums (Q4_KSubDot) times the rows' scales
// (exact: |total| < 8 * 63 * 32 * 15 * 128 < 2^31) give the rows' integer totals in lanes, the
// same integers Q4_KRowTotal sums; the fmas are Q4_KGroupFma's.
template <size_t kTokens>
HWY_INLINE void Q4_KRows8Tokens(const std::byte* row0, size_t stride, size_t block_step,
                                const RowsTask* tasks, size_t blocks, int64_t r0,
                                const std::byte* next, const std::byte* next_end, bool prefetch) {
  const gguf::BlockQ8_K* act[kTokens];
  __m256 acc[kTokens], accm[kTokens];
  for (size_t t = 0; t < kTokens; ++t) {
    act[t] = tasks[t].x->q8_k().data();
    acc[t] = accm[t] = _mm256_setzero_ps();
  }
  const __m256i byte = _mm256_set1_epi32(0xFF);
  Q4_KChunk8 q;
  for (size_t b = 0; b < blocks; ++b) {
    const std::byte* p0 = row0 + b * block_step;
    if (prefetch) PrefetchGroupLines<18>(next, next_end, b);
    const Q4_KHeads h = Q4_KGroupHeads(p0, stride);
    __m256i totals[kTokens];
    for (size_t t = 0; t < kTokens; ++t) totals[t] = _mm256_setzero_si256();
    for (int c = 0; c < 4; ++c) {
      DecodeQ4_KChunk8(p0 + offsetof(gguf::BlockQ4_K, qs) + 32 * c, stride, q);
      // Scales of sub-blocks 2c and 2c + 1 per row lane: bytes 2c, 2c + 1 of sc_lo (c < 2) or
      // bytes 2c - 4, 2c - 3 of sc_hi.
      const __m256i src = c < 2 ? h.sc_lo : h.sc_hi;
      const int shift = 16 * (c % 2);
      const __m256i sc_even = _mm256_and_si256(_mm256_srli_epi32(src, shift), byte);
      const __m256i sc_odd = _mm256_and_si256(_mm256_srli_epi32(src, shift + 8), byte);
      for (size_t t = 0; t < kTokens; ++t) {
        const int8_t* a = act[t][b].qs + 64 * c;
        totals[t] = _mm256_add_epi32(
            totals[t], _mm256_add_epi32(_mm256_mullo_epi32(Q4_KSubDot(q.lo, a), sc_even),
                                        _mm256_mullo_epi32(Q4_KSubDot(q.hi, a + 32), sc_odd)));
      }
    }
    for (size_t t = 0; t < kTokens; ++t) {
      Q4_KGroupFmaTotals(h, totals[t], act[t][b], acc[t], accm[t]);
    }
  }
  for (size_t t = 0; t < kTokens; ++t) {
    _mm256_storeu_ps(tasks[t].y + r0, _mm256_sub_ps(acc[t], accm[t]));
  }
}
#endif

// Q4_KRows8 for the rows [r0, r0 + 8) of n tasks (prompt tokens, same weights): each row's
// super-block is decoded once and multiplied with every token's activation; per token the same
// integer totals and fma sequence as Q4_KRows8, so the results are bit-identical to it.
HWY_INLINE void Q4_KRows8Batch(const std::byte* row0, size_t stride, size_t block_step,
                               const RowsTask* tasks, size_t n, int64_t r0, const std::byte* next,
                               const std::byte* next_end) {
#if HWY_TARGET == HWY_AVX3_DL
  const size_t blocks_vnni = tasks[0].x->q8_k().size();
  ForTokenBatches(n, [&]<size_t kTokens>(size_t t) {
    Q4_KRows8Tokens<kTokens>(row0, stride, block_step, tasks + t, blocks_vnni, r0, next, next_end,
                             t == 0);
  });
  return;
#endif
  constexpr size_t kTokens = 16;  // accumulators per pass
  const size_t blocks = tasks[0].x->q8_k().size();
  Q4_KRowCodes k;
  for (size_t t0 = 0; t0 < n; t0 += kTokens) {
    const size_t m = std::min(kTokens, n - t0);
    __m256 acc[kTokens], accm[kTokens];
    for (size_t t = 0; t < m; ++t) acc[t] = accm[t] = _mm256_setzero_ps();
    for (size_t b = 0; b < blocks; ++b) {
      const std::byte* p0 = row0 + b * block_step;
      const Q4_KHeads h = Q4_KGroupHeads(p0, stride);
      __m256i sc01, sc23;
      Q4_KScaleRows(h, sc01, sc23);
      __m256i totals[kTokens][8];
      for (size_t r = 0; r < 8; ++r) {
        if (t0 == 0 && r < 6) PrefetchGroupLines<3>(next, next_end, 6 * b + r);
        DecodeQ4_KRow(p0, stride, r, sc01, sc23, k);
        for (size_t t = 0; t < m; ++t) totals[t][r] = Q4_KRowTotal(k, tasks[t0 + t].x->q8_k()[b]);
      }
      for (size_t t = 0; t < m; ++t) {
        Q4_KGroupFma(h, totals[t], tasks[t0 + t].x->q8_k()[b], acc[t], accm[t]);
      }
    }
    for (size_t t = 0; t < m; ++t) {
      _mm256_storeu_ps(tasks[t0 + t].y + r0, _mm256_sub_ps(acc[t], accm[t]));
    }
  }
}
