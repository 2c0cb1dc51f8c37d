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

// The int16 pair (s[2c], s[2c + 1]) spread as s[2c] in the 8 low lanes, s[2c + 1] in the 8 high
// ones: the per-16-element scales of a 32-element chunk, for madd after maddubs.
HWY_INLINE __m256i ScalePair(const int16_t* s, int c) {
  const __m256i pair = _mm256_set1_epi32(LoadI32(s + 2 * c));
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
