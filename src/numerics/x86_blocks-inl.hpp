// x86 (AVX2 intrinsics) helpers shared by the block kernels of dot_simd.cpp: loads, half-precision
// scales, and the integer reductions. Included once per Highway target by dot_simd.cpp inside its
// AVX2 / AVX-512 section (the Highway "-inl" convention: no include guard of its own), so every
// function gets that target's instruction set. Every integer here is exact; float rounding only
// happens in the kernels, in the reference order (dot.hpp). dot_simd.cpp includes <immintrin.h>,
// <cstring> and <cstdint> before its namespace.

HWY_INLINE __m256i LoadU256(const void* p) {
  return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}

HWY_INLINE __m128i LoadU128(const void* p) {
  return _mm_loadu_si128(static_cast<const __m128i*>(p));
}

// 16 bytes at `lo` in the low half, 16 bytes at `hi` in the high half.
HWY_INLINE __m256i Load2x128(const void* lo, const void* hi) {
  return _mm256_inserti128_si256(_mm256_castsi128_si256(LoadU128(lo)), LoadU128(hi), 1);
}

HWY_INLINE int32_t LoadI32(const void* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

HWY_INLINE uint16_t LoadU16(const std::byte* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

// The fp16 at byte `offset` of 8 rows `stride` bytes apart, widened exactly to f32 (F16C).
HWY_INLINE __m256 HalfAt8Rows(const std::byte* p, size_t stride) {
  const __m128i h = _mm_setr_epi16(
      static_cast<int16_t>(LoadU16(p)), static_cast<int16_t>(LoadU16(p + stride)),
      static_cast<int16_t>(LoadU16(p + 2 * stride)), static_cast<int16_t>(LoadU16(p + 3 * stride)),
      static_cast<int16_t>(LoadU16(p + 4 * stride)), static_cast<int16_t>(LoadU16(p + 5 * stride)),
      static_cast<int16_t>(LoadU16(p + 6 * stride)), static_cast<int16_t>(LoadU16(p + 7 * stride)));
  return _mm256_cvtph_ps(h);
}

// The fp16 at `p` of 8 rows `stride` bytes apart, widened exactly to f32: HalfAt8Rows from four
// 2x128-bit loads instead of eight scalar inserts (16 bytes from `p` must be readable in every
// row, as they are when `p` is a block's d and the block is at least 16 bytes long).
HWY_INLINE __m256 HalfAt8RowsBlock(const std::byte* p, size_t stride) {
  __m256i v[4];
  for (size_t i = 0; i < 4; ++i) v[i] = Load2x128(p + i * stride, p + (i + 4) * stride);
  // Dword 0 of each half of v[i] starts with row i's (low half) or row i + 4's (high half) fp16.
  const __m256i d =
      _mm256_unpacklo_epi64(_mm256_unpacklo_epi32(v[0], v[1]), _mm256_unpacklo_epi32(v[2], v[3]));
  // Each half: rows 0..3 (4..7) in dwords; keep the low 16 bits, pack them to 8 halves in order.
  const __m256i w = _mm256_and_si256(d, _mm256_set1_epi32(0xFFFF));
  const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(w, w), 0x08);
  return _mm256_cvtph_ps(_mm256_castsi256_si128(packed));
}

// Software prefetch of the next group of 8 rows while this group runs, kLines 64-byte lines per
// block b (lines kLines * b ..), none at or past `end` (next == end: none). The 8 rows of a group
// are one contiguous region but are read as 8 short streams (one per row) that the hardware
// prefetchers pick up late; this reads the next region ahead as one stream. A prefetch never
// faults. Into L2 (T1), not L1: a group is 18 KiB (4096 columns) to 63 KiB (14336), as much as or
// more than the L1 (32 KiB on Zen 4, 48 KiB on Zen 5), so T0 evicted lines before their use; on the
// 8B shape's decode (2 threads, Zen 4) T1 gave Q4_K 8.0-8.2 tokens/s against 6.5-6.6 with T0,
// Q4_0 7.7-9.0 against 6.6-6.7 (interleaved runs of `etchsim golden`).
template <size_t kLines>
HWY_INLINE void PrefetchGroupLines(const std::byte* next, const std::byte* end, size_t b) {
  const auto from = reinterpret_cast<uintptr_t>(next);
  const auto to = reinterpret_cast<uintptr_t>(end);
  for (size_t i = 0; i < kLines; ++i) {
    const uintptr_t line = from + 64 * (kLines * b + i);
    if (line < to) _mm_prefetch(reinterpret_cast<const char*>(line), _MM_HINT_T1);
  }
}

// Software prefetch of lines [from, to) of the region at `base`, into L2 as PrefetchGroupLines.
HWY_INLINE void PrefetchSpread(const std::byte* base, size_t from, size_t to) {
  for (size_t i = from; i < to; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(base) + 64 * i, _MM_HINT_T1);
  }
}

// Software prefetch of the `bytes` bytes kPrefetchAhead bytes past `p`, one probe per 64 bytes: a
// kernel that reads a weight stream front to back calls it once per block, so no two consecutive
// probes are more than 64 bytes apart and every line of the stream is fetched. 2 KiB is about one
// memory latency's worth of one core's share of the stream (~100 ns at ~15 GB/s), more than the
// hardware prefetchers keep in flight for a single core. The address is formed as an integer: it
// may lie past the weights (a prefetch never faults).
constexpr uintptr_t kPrefetchAhead = 2048;
HWY_INLINE void PrefetchAhead(const std::byte* p, size_t bytes) {
  const uintptr_t from = reinterpret_cast<uintptr_t>(p) + kPrefetchAhead;
  for (uintptr_t a = from; a < from + bytes; a += 64) {
    _mm_prefetch(reinterpret_cast<const char*>(a), _MM_HINT_T0);
  }
}

// In-place 4x4 transpose of int32 within each 128-bit half: afterwards v[k] holds, in lane i of
// each half, what was lane k of v[i] (so 16-byte rows loaded as Load2x128(row i, row i + 4) give
// v[k] = dword k of rows 0..7, lane = row).
HWY_INLINE void Transpose4x4(__m256i v[4]) {
  const __m256i t0 = _mm256_unpacklo_epi32(v[0], v[1]);
  const __m256i t1 = _mm256_unpackhi_epi32(v[0], v[1]);
  const __m256i t2 = _mm256_unpacklo_epi32(v[2], v[3]);
  const __m256i t3 = _mm256_unpackhi_epi32(v[2], v[3]);
  v[0] = _mm256_unpacklo_epi64(t0, t2);
  v[1] = _mm256_unpackhi_epi64(t0, t2);
  v[2] = _mm256_unpacklo_epi64(t1, t3);
  v[3] = _mm256_unpackhi_epi64(t1, t3);
}

// Lane r = the sum of the 8 int32 lanes of v[r] (exact; the order of integer adds is free).
HWY_INLINE __m256i SumLanes8(const __m256i v[8]) {
  const __m256i a = _mm256_hadd_epi32(_mm256_hadd_epi32(v[0], v[1]), _mm256_hadd_epi32(v[2], v[3]));
  const __m256i b = _mm256_hadd_epi32(_mm256_hadd_epi32(v[4], v[5]), _mm256_hadd_epi32(v[6], v[7]));
  // a: low half = partial sums of rows 0..3 over lanes 0..3, high half over lanes 4..7.
  return _mm256_add_epi32(_mm256_permute2x128_si256(a, b, 0x20),
                          _mm256_permute2x128_si256(a, b, 0x31));
}

// The int16 pair (s[2c], s[2c + 1]) of the 16 int16 scales in `s` spread as s[2c] in the 8 low
// lanes, s[2c + 1] in the 8 high ones: the per-16-element scales of a 32-element chunk, for madd
// after maddubs. All in registers (a store of the scales and a narrower reload would stall on
// store forwarding).
HWY_INLINE __m256i ScalePair(__m256i s, int c) {
  const __m256i pair = _mm256_permutevar8x32_epi32(s, _mm256_set1_epi32(c));
  const __m256i spread = _mm256_setr_epi8(0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1,  //
                                          2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3);
  return _mm256_shuffle_epi8(pair, spread);
}

// int32 lane L = 4-element sums of u*a over a 32-element chunk, times the chunk's scale pair:
// elements 4L..4L+3, scale of the low (L < 4) or high 16 (maddubs: u unsigned, a signed; a pair
// sum stays below 2 * 63 * 128 < 2^15 for codes u <= 63, so nothing saturates).
HWY_INLINE __m256i ScaledQuads(__m256i u, __m256i a, __m256i scales) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(u, a), scales);
}

// AVX-512 VNNI (the AVX3_DL target): acc + madd(p, s) and acc + the 4-byte dots of u (unsigned)
// and a (signed) per int32 lane, one instruction each and exact (vpdpwssd and vpdpbusd neither
// saturate nor round; every sum here fits in int32). Inline assembly, not the intrinsics: this
// Highway version's AVX3_DL target string enables AVX-VNNI (VEX), which Zen 4 lacks, and the
// EVEX form must be the one emitted. Other targets: madd and add.
HWY_INLINE __m256i AddMadd(__m256i acc, __m256i p, __m256i s) {
#if HWY_TARGET == HWY_AVX3_DL
  asm("vpdpwssd %2, %1, %0" : "+v"(acc) : "v"(p), "v"(s));
  return acc;
#else
  return _mm256_add_epi32(acc, _mm256_madd_epi16(p, s));
#endif
}

// acc + ScaledQuads(u, a, scales).
HWY_INLINE __m256i AddScaledQuads(__m256i acc, __m256i u, __m256i a, __m256i scales) {
  return AddMadd(acc, _mm256_maddubs_epi16(u, a), scales);
}
