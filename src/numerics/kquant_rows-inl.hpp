// The VecDot order (dot.hpp) of Q3_K and Q6_K rows, decoding the codes in registers instead of
// through DecodedK: the same 8 exact int32 lanes per super-block (lane L = sum over 32-element
// chunks c of sc(2c + L/4) * elements 32c+4L..32c+4L+3 of w*a), then the same fma per lane and
// hsum8, so the results are bit-identical to dot_k_vecdot in dot_scalar.cpp. A super-block is
// decoded once (KCodes) and then multiplied with one activation or, in a prompt batch, with
// several (DotKVecDotBatch).
// Included per Highway target by dot_simd.cpp (see x86_blocks-inl.hpp).

// One decoded super-block: unsigned codes u per 32-element chunk, the chunk's scale pair
// (ScalePair), the 16 scales as int16 and d.
struct KCodes {
  __m256i u[8];
  __m256i scales[8];
  __m256i sc16;
  float d;
};

// Q6_K: u = (4 low bits from ql) | (2 high bits from qh) << 4 in 0..63 (docs/formats.md §3.2),
// element 128h + 32k + l: ql[64h + l + 32(k & 1)] low (k < 2) or high nibble, qh[32h + l] bits 2k.
HWY_INLINE void DecodeQ6K(const std::byte* w, KCodes& k) {
  const std::byte* ql = w + offsetof(gguf::BlockQ6_K, ql);
  const std::byte* qh_bytes = w + offsetof(gguf::BlockQ6_K, qh);
  const __m256i m4 = _mm256_set1_epi8(0x0F);
  const __m256i m2 = _mm256_set1_epi8(0x03);
  k.sc16 = _mm256_cvtepi8_epi16(LoadU128(w + offsetof(gguf::BlockQ6_K, scales)));
  for (int h = 0; h < 2; ++h) {
    const __m256i ql0 = LoadU256(ql + 64 * h);
    const __m256i ql1 = LoadU256(ql + 64 * h + 32);
    const __m256i qh = LoadU256(qh_bytes + 32 * h);
    const __m256i low[4] = {_mm256_and_si256(ql0, m4), _mm256_and_si256(ql1, m4),
                            _mm256_and_si256(_mm256_srli_epi16(ql0, 4), m4),
                            _mm256_and_si256(_mm256_srli_epi16(ql1, 4), m4)};
    const __m256i high[4] = {_mm256_slli_epi16(_mm256_and_si256(qh, m2), 4),
                             _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), m2), 4),
                             _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), m2), 4),
                             _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), m2), 4)};
    for (int j = 0; j < 4; ++j) {
      const int c = 4 * h + j;
      k.u[c] = _mm256_or_si256(low[j], high[j]);
      k.scales[c] = ScalePair(k.sc16, c);
    }
  }
  k.d = F16(LoadU16(w + offsetof(gguf::BlockQ6_K, d)));
}

// Q6_K lanes with one activation super-block, u = q + 32 (maddubs pair sums stay below
// 2 * 63 * 128 < 2^15), then q6k_lane_offset: lane L -= 32 * (sc(2L) * bsums(2L) +
// sc(2L+1) * bsums(2L+1)).
HWY_INLINE __m256i Q6KLanes(const KCodes& k, const gguf::BlockQ8_K& x) {
  // Two chains (even and odd chunks): a vpdpwssd waits for the previous one's result.
  __m256i lanes[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
  for (int c = 0; c < 8; ++c) {
    lanes[c & 1] = AddScaledQuads(lanes[c & 1], k.u[c], LoadU256(x.qs + 32 * c), k.scales[c]);
  }
  const __m256i offsets = _mm256_madd_epi16(k.sc16, LoadU256(x.bsums));
  return _mm256_sub_epi32(_mm256_add_epi32(lanes[0], lanes[1]), _mm256_slli_epi32(offsets, 5));
}

// The 16 Q3_K scales (6 bits, biased by 32) as int16 (ggml's kmask unpacking of §3.2 Q3_K), in
// registers. `scales` is the block's 12 scale bytes, read as the last 16 bytes ending there (the 4
// before are the block's qs), so nothing past the block is read. With u0, u1, u2 the three
// 32-bit words: words 0..3 of the result bytes are u0 & 0x0f.. | (u2 & 0x03..) << 4,
// u1 & 0x0f.. | (u2 >> 2 & 0x03..) << 4, u0 >> 4 & 0x0f.. | (u2 >> 4 & 0x03..) << 4 and
// u1 >> 4 & 0x0f.. | (u2 >> 6 & 0x03..) << 4.
HWY_INLINE __m256i Q3KScales(const std::byte* scales) {
  const __m128i v = LoadU128(scales - 4);           // words: -, u0, u1, u2
  const __m128i low = _mm_shuffle_epi32(v, 0x99);   // u0, u1, u0, u1
  const __m128i high = _mm_shuffle_epi32(v, 0xFF);  // u2 in every word
  const __m128i kLow4 = _mm_set1_epi32(0x0f0f0f0f), kLow2 = _mm_set1_epi32(0x03030303);
  const __m128i lo4 = _mm_and_si128(_mm_srlv_epi32(low, _mm_setr_epi32(0, 0, 4, 4)), kLow4);
  const __m128i hi2 = _mm_and_si128(_mm_srlv_epi32(high, _mm_setr_epi32(0, 2, 4, 6)), kLow2);
  const __m128i bytes = _mm_or_si128(lo4, _mm_slli_epi32(hi2, 4));
  return _mm256_sub_epi16(_mm256_cvtepu8_epi16(bytes), _mm256_set1_epi16(32));
}

// Q3_K: w = q2 - 4 + 4 * hbit in -4..3, element 128h + 32j + l: q2 = (qs[32h + l] >> 2j) & 3,
// hbit = bit 4h + j of hmask[l]. u = q2 + 4 * hbit (0..7); Q3KLanes subtracts 4a.
HWY_INLINE void DecodeQ3K(const std::byte* w, KCodes& k) {
  const __m256i m2 = _mm256_set1_epi8(0x03);
  const __m256i bit2 = _mm256_set1_epi8(0x04);
  const __m256i sc = Q3KScales(w + offsetof(gguf::BlockQ3_K, scales));
  const __m256i hmask = LoadU256(w + offsetof(gguf::BlockQ3_K, hmask));
  for (int h = 0; h < 2; ++h) {
    const __m256i q = LoadU256(w + offsetof(gguf::BlockQ3_K, qs) + 32 * h);
    for (int j = 0; j < 4; ++j) {
      const int c = 4 * h + j;
      const __m256i q2 = _mm256_and_si256(_mm256_srl_epi16(q, _mm_cvtsi32_si128(2 * j)), m2);
      // Bit c of each hmask byte moved to bit 2 (value 4); the 16-bit shifts only move bits
      // within a byte after the mask.
      const __m256i hb = c >= 2 ? _mm256_srl_epi16(hmask, _mm_cvtsi32_si128(c - 2))
                                : _mm256_sll_epi16(hmask, _mm_cvtsi32_si128(2 - c));
      k.u[c] = _mm256_or_si256(q2, _mm256_and_si256(hb, bit2));
      k.scales[c] = ScalePair(sc, c);
    }
  }
  k.d = F16(LoadU16(w + offsetof(gguf::BlockQ3_K, d)));
}

// Q3_K lanes with one activation super-block: w*a = u*a - 4a, exact in int16 pairs
// (|pair| <= 2 * 7 * 128).
HWY_INLINE __m256i Q3KLanes(const KCodes& k, const gguf::BlockQ8_K& x) {
  const __m256i four = _mm256_set1_epi8(4);
  __m256i lanes[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};  // as Q6KLanes
  for (int c = 0; c < 8; ++c) {
    const __m256i a = LoadU256(x.qs + 32 * c);
    const __m256i pairs =
        _mm256_sub_epi16(_mm256_maddubs_epi16(k.u[c], a), _mm256_maddubs_epi16(four, a));
    lanes[c & 1] = AddMadd(lanes[c & 1], pairs, k.scales[c]);
  }
  return _mm256_add_epi32(lanes[0], lanes[1]);
}

template <GgmlType kType>
HWY_INLINE void DecodeK(const std::byte* w, KCodes& k) {
  if constexpr (kType == GgmlType::Q6_K) {
    DecodeQ6K(w, k);
  } else {
    DecodeQ3K(w, k);
  }
}

template <GgmlType kType>
HWY_INLINE __m256 FmaKLanes(const KCodes& k, const gguf::BlockQ8_K& y, __m256 acc) {
  const __m256i lanes = kType == GgmlType::Q6_K ? Q6KLanes(k, y) : Q3KLanes(k, y);
  const float dall = y.d * k.d;
  return _mm256_fmadd_ps(_mm256_set1_ps(dall), _mm256_cvtepi32_ps(lanes), acc);
}

HWY_INLINE float Hsum8Ps(__m256 acc) {
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, acc);
  return hsum8(lanes);
}

template <GgmlType kType, class Block>
float DotKVecDotX86(const std::byte* row, const gguf::BlockQ8_K* act, size_t blocks) {
  __m256 acc = _mm256_setzero_ps();
  KCodes k;
  for (size_t b = 0; b < blocks; ++b) {
    PrefetchAhead(row + b * sizeof(Block), sizeof(Block));
    DecodeK<kType>(row + b * sizeof(Block), k);
    acc = FmaKLanes<kType>(k, act[b], acc);
  }
  return Hsum8Ps(acc);
}

#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
// AVX-512 prompt batches: a decoded super-block as 4 vectors of two chunks each (chunk 2i in the
// low 256 bits, 2i + 1 in the high), so each token's lanes take half the instructions of the
// 256-bit KLanes (the batch loop was bound by their count, not by the arithmetic units). The 16
// int32 lanes are the 8 reference lanes of the even and of the odd chunks; adding the halves
// gives the reference lanes exactly (integer sums).
struct KCodes512 {
  __m512i u[4];
  __m512i scales[4];
  __m256i sc16;  // Q6_K's offsets
  float d;
};

HWY_INLINE __m512i Cat512(__m256i lo, __m256i hi) {
  return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}

HWY_INLINE __m512i AddMadd512(__m512i acc, __m512i p, __m512i s) {
#if HWY_TARGET == HWY_AVX3_DL
  asm("vpdpwssd %2, %1, %0" : "+v"(acc) : "v"(p), "v"(s));
  return acc;
#else
  return _mm512_add_epi32(acc, _mm512_madd_epi16(p, s));
#endif
}

template <GgmlType kType>
HWY_INLINE void DecodeK512(const std::byte* w, KCodes512& k) {
  KCodes k256;
  DecodeK<kType>(w, k256);
  for (int i = 0; i < 4; ++i) {
    k.u[i] = Cat512(k256.u[2 * i], k256.u[2 * i + 1]);
    k.scales[i] = Cat512(k256.scales[2 * i], k256.scales[2 * i + 1]);
  }
  k.sc16 = k256.sc16;
  k.d = k256.d;
}

// Q3KLanes / Q6KLanes of one activation super-block from KCodes512.
template <GgmlType kType>
HWY_INLINE __m256i KLanes512(const KCodes512& k, const gguf::BlockQ8_K& x) {
  __m512i lanes = _mm512_setzero_si512();
  for (int i = 0; i < 4; ++i) {
    const __m512i a = _mm512_loadu_si512(x.qs + 64 * i);
    __m512i pairs = _mm512_maddubs_epi16(k.u[i], a);
    if constexpr (kType == GgmlType::Q3_K) {
      pairs = _mm512_sub_epi16(pairs, _mm512_maddubs_epi16(_mm512_set1_epi8(4), a));
    }
    lanes = AddMadd512(lanes, pairs, k.scales[i]);
  }
  __m256i sum =
      _mm256_add_epi32(_mm512_castsi512_si256(lanes), _mm512_extracti64x4_epi64(lanes, 1));
  if constexpr (kType == GgmlType::Q6_K) {
    const __m256i offsets = _mm256_madd_epi16(k.sc16, LoadU256(x.bsums));
    sum = _mm256_sub_epi32(sum, _mm256_slli_epi32(offsets, 5));
  }
  return sum;
}
#endif

// Row r of every task (one per token): each super-block decoded once, multiplied with every
// token's activation; per token the same sequence of fmas as DotKVecDotX86.
template <GgmlType kType, class Block>
void DotKVecDotBatch(const std::byte* row, const RowsTask* tasks, size_t n, int64_t r) {
  constexpr size_t kTokens = 16;  // accumulators per pass
  const size_t blocks = tasks[0].x->q8_k().size();
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
  KCodes512 k;
#else
  KCodes k;
#endif
  for (size_t t0 = 0; t0 < n; t0 += kTokens) {
    const size_t m = std::min(kTokens, n - t0);
    __m256 acc[kTokens];
    for (size_t t = 0; t < m; ++t) acc[t] = _mm256_setzero_ps();
    for (size_t b = 0; b < blocks; ++b) {
      if (t0 == 0) PrefetchAhead(row + b * sizeof(Block), sizeof(Block));
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
      DecodeK512<kType>(row + b * sizeof(Block), k);
      for (size_t t = 0; t < m; ++t) {
        const gguf::BlockQ8_K& y = tasks[t0 + t].x->q8_k()[b];
        const float dall = y.d * k.d;
        acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(dall), _mm256_cvtepi32_ps(KLanes512<kType>(k, y)),
                                 acc[t]);
      }
#else
      DecodeK<kType>(row + b * sizeof(Block), k);
      for (size_t t = 0; t < m; ++t) {
        acc[t] = FmaKLanes<kType>(k, tasks[t0 + t].x->q8_k()[b], acc[t]);
      }
#endif
    }
    for (size_t t = 0; t < m; ++t) tasks[t0 + t].y[r] = Hsum8Ps(acc[t]);
  }
}
