// fp32_tb.cpp -- Verilator testbench for src/rtl/verilog/etchsim_fp32.v.
//
// Drives etchsim_fp32_tb_top (fp32_tb_top.v) and compares, bit for bit:
//   etchsim_fp32_fma      against std::fma(float, float, float)
//   etchsim_fp32_from_int against static_cast<float>(int32_t)
//   etchsim_fp16_to_fp32  against a half -> float conversion written from the
//                         IEEE definition below (itself cross-checked against
//                         F16C _cvtsh_ss when the CPU has it)
// on special-value grids, all 65536 halves and millions of seeded random
// operands.  Prints the first mismatches and exits 1 if there is any.
//
// Reference notes: this file must be compiled with -ffp-contract=off and
// without -mfma, so std::fma is glibc's fmaf (which uses the FMA3 instruction
// on this CPU) and a*b / a+b in the self-checks are plain mulss / addss.  The
// NaN results the RTL implements are those of x86: the first NaN operand in
// the order a, b, c, quieted; 0xFFC00000 for inf*0 and inf-inf.
//
// Usage: fp32_tb [random_fma_count] [seed]

#include "Vetchsim_fp32_tb_top.h"
#include "verilated.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define FP32_TB_HAVE_X86 1
#endif

namespace {

uint32_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

float float_of(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// splitmix64 (Steele, Lea, Flood): small, seedable, good enough to spread
// operands over the whole bit space.
struct SplitMix64 {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint32_t u32() { return static_cast<uint32_t>(next() >> 32); }
  // Uniform in [0, n).
  uint32_t below(uint32_t n) {
    return static_cast<uint32_t>(((next() >> 32) * static_cast<uint64_t>(n)) >> 32);
  }
  // Uniform in [lo, hi].
  int range(int lo, int hi) { return lo + static_cast<int>(below(static_cast<uint32_t>(hi - lo + 1))); }
};

// Builds a binary32 from sign, biased exponent (clamped to 0..255) and fraction.
uint32_t make_f32(uint32_t sign, int exp, uint32_t frac) {
  if (exp < 0) exp = 0;
  if (exp > 255) exp = 255;
  return (sign << 31) | (static_cast<uint32_t>(exp) << 23) | (frac & 0x7fffffu);
}

uint32_t ref_fma(uint32_t a, uint32_t b, uint32_t c) {
  return bits_of(std::fma(float_of(a), float_of(b), float_of(c)));
}

// binary16 -> binary32 from the IEEE 754 definition: normal halves rebias the
// exponent (15 -> 127) and widen the fraction; subnormals are f * 2^-24
// (exact in float); NaNs keep sign and payload and get the quiet bit (that is
// what the x86 F16C conversion does).
uint32_t ref_half(uint16_t h) {
  const uint32_t s = static_cast<uint32_t>(h >> 15) << 31;
  const uint32_t e = (h >> 10) & 0x1fu;
  const uint32_t f = h & 0x3ffu;
  if (e == 31) return s | 0x7f800000u | (f != 0 ? (0x400000u | (f << 13)) : 0u);
  if (e == 0) return s | bits_of(std::ldexp(static_cast<float>(f), -24));
  return s | ((e + 112u) << 23) | (f << 13);
}

#ifdef FP32_TB_HAVE_X86
__attribute__((target("f16c"))) uint32_t f16c_half(uint16_t h) { return bits_of(_cvtsh_ss(h)); }
#endif

struct Bench {
  Vetchsim_fp32_tb_top* top;
  uint64_t n_fma = 0, n_int = 0, n_half = 0, n_self = 0;
  uint64_t bad = 0;
  static constexpr uint64_t kShow = 16;

  // Counts a mismatch and prints the first few: which check, the operands
  // (already formatted as hex) and both results.
  void report(const char* what, const char* operands, uint32_t got, uint32_t want) {
    if (bad++ < kShow) std::printf("MISMATCH %s %s rtl=%08x ref=%08x\n", what, operands, got, want);
  }

  void fma(uint32_t a, uint32_t b, uint32_t c, const char* what) {
    top->fma_a = a;
    top->fma_b = b;
    top->fma_c = c;
    top->eval();
    const uint32_t got = top->fma_y;
    const uint32_t want = ref_fma(a, b, c);
    ++n_fma;
    if (got != want) {
      char ops[64];
      std::snprintf(ops, sizeof ops, "a=%08x b=%08x c=%08x", a, b, c);
      report(what, ops, got, want);
    }
  }

  void from_int(uint32_t i) {
    top->int_i = i;
    top->eval();
    const uint32_t got = top->int_y;
    const uint32_t want = bits_of(static_cast<float>(static_cast<int32_t>(i)));
    ++n_int;
    if (got != want) {
      char ops[32];
      std::snprintf(ops, sizeof ops, "i=%08x", i);
      report("from_int", ops, got, want);
    }
  }

  void half(uint16_t h) {
    top->half_h = h;
    top->eval();
    const uint32_t got = top->half_y;
    const uint32_t want = ref_half(h);
    ++n_half;
    if (got != want) {
      char ops[32];
      std::snprintf(ops, sizeof ops, "h=%04x", h);
      report("fp16_to_fp32", ops, got, want);
    }
  }

  // The FMA is used as multiplier (c = -0) and adder (b = 1): check that the
  // reference itself agrees with plain float * and + on those operands.
  void self_check(uint32_t a, uint32_t b) {
    const uint32_t mul = bits_of(float_of(a) * float_of(b));
    const uint32_t add = bits_of(float_of(a) + float_of(b));
    const uint32_t fmul = ref_fma(a, b, 0x80000000u);
    const uint32_t fadd = ref_fma(a, 0x3f800000u, b);
    n_self += 2;
    char ops[32];
    std::snprintf(ops, sizeof ops, "a=%08x b=%08x", a, b);
    // With two NaN operands C leaves the payload open (the compiler may
    // commute a*b and a+b), so then only NaN-ness is compared.
    const bool both_nan = std::isnan(float_of(a)) && std::isnan(float_of(b));
    const bool mul_ok = both_nan ? std::isnan(float_of(fmul)) : fmul == mul;
    const bool add_ok = both_nan ? std::isnan(float_of(fadd)) : fadd == add;
    if (!mul_ok) report("reference: fma(a,b,-0) != a*b", ops, fmul, mul);
    if (!add_ok) report("reference: fma(a,1,b) != a+b", ops, fadd, add);
  }
};

// Operands that exercise every special path: zeros, the subnormal range ends,
// the normal range ends, 1 and its neighbours, small integers, powers of two
// whose products land in the subnormal range or overflow, infinities, quiet
// and signalling NaNs with payloads.  Each is used with both signs.
const uint32_t kSpecial[] = {
    0x00000000, 0x00000001, 0x00000002, 0x00000003, 0x00400000, 0x007fffff, 0x00800000,
    0x00800001, 0x00ffffff, 0x01000000, 0x0d800000, 0x1a000000, 0x1a800000, 0x1f800000,
    0x33800000, 0x34000000, 0x3f000000, 0x3f7fffff, 0x3f800000, 0x3f800001, 0x3fc00000,
    0x3fffffff, 0x40000000, 0x40400000, 0x4b800000, 0x4b800001, 0x5f800000, 0x7e800000,
    0x7effffff, 0x7f000000, 0x7f7fffff, 0x7f800000, 0x7fc00000, 0x7fc00001, 0x7f800001,
    0x7fbfffff, 0x7fffffff,
};

void run_special_fma(Bench& tb) {
  std::vector<uint32_t> v;
  for (uint32_t x : kSpecial) {
    v.push_back(x);
    v.push_back(x | 0x80000000u);
  }
  for (uint32_t a : v)
    for (uint32_t b : v) {
      tb.self_check(a, b);
      for (uint32_t c : v) tb.fma(a, b, c, "special");
    }
}

// Random fraction with a random number of trailing zeros, so that products
// are often exact and sums cancel completely.
uint32_t short_frac(SplitMix64& r) {
  const uint32_t keep = r.below(24);
  return (r.u32() & 0x7fffffu) & ~((1u << (23 - keep)) - 1u) & 0x7fffffu;
}

// Products with a long run of zero (or one) bits below a rounding position:
// the hardest cases for the sticky logic, which random significands almost
// never produce.  Picks the significands x, y of a and b such that
//   x * y == t  (mod 2^(k+1)),  t one of  2^k + s,  s,  2^k,  2^k - s,  -s
// with s small: bit k (the round bit, once the exponents put the result's
// last place at bit k+1) is followed by zeros or ones down to a few low bits.
// y = t * x^-1 mod 2^(k+1); for k+1 > 24 that is only a valid significand
// (< 2^24) by chance, so x and s are redrawn until it is.  For k >= 24 the
// exponents make the result subnormal with its last place at bit k+1.
// (The search costs about 2^(k-23) / s_max multiplications, hence k <= 38.)
bool sticky_run_operands(SplitMix64& r, uint32_t& a, uint32_t& b) {
  const int k = r.range(16, 38);
  const uint64_t mask = (uint64_t{2} << k) - 1;
  int pattern = static_cast<int>(r.below(5));
  if (k >= 24 && pattern == 2) pattern = 0;  // x odd: x*y == 2^k needs y >= 2^k
  const uint64_t s_max = uint64_t{1} << r.range(2, 8);
  for (int tries = 0; tries < (1 << 12); ++tries) {
    const uint64_t x = 0x800001u | (r.u32() & 0xfffffeu);  // odd: invertible mod 2^m
    uint64_t inv = x;                                        // Newton: x * inv == 1 mod 2^64
    for (int i = 0; i < 6; ++i) inv *= 2 - x * inv;
    for (uint64_t sm = 1; sm <= s_max; ++sm) {
      uint64_t t = 0;
      switch (pattern) {
        case 0: t = (uint64_t{1} << k) + sm; break;
        case 1: t = sm; break;
        case 2: t = uint64_t{1} << k; break;
        case 3: t = (uint64_t{1} << k) - sm; break;
        default: t = 0 - sm; break;
      }
      uint64_t y = (t * inv) & mask;
      if (k + 1 <= 23) y = (((static_cast<uint64_t>(r.u32()) << (k + 1)) | y) & 0x7fffffu) | 0x800000u;
      if (y == 0 || y >= (1u << 24)) continue;
      const bool y_sub = y < 0x800000u;
      int ex, ey;  // effective biased exponents
      if (k >= 24) {   // x*y * 2^(ex+ey-300): bit k+1 weighs 2^-149
        ey = y_sub ? 1 : r.range(1, 126 - k + 24);
        ex = 150 - k - ey;
        if (ex < 1 || ex > 254) continue;
      } else {
        ex = r.range(40, 200);
        ey = y_sub ? 1 : r.range(std::max(1, 140 - ex), std::min(254, 330 - ex));
      }
      a = make_f32(r.below(2), ex, static_cast<uint32_t>(x));
      b = make_f32(r.below(2), y_sub ? 0 : ey, static_cast<uint32_t>(y));
      if (r.below(2)) std::swap(a, b);
      return true;
    }
  }
  return false;
}

void random_fma(Bench& tb, SplitMix64& r) {
  uint32_t a = r.u32(), b = r.u32(), c = r.u32();
  const char* what = "random";
  switch (r.below(12)) {
    case 0:  // uniform bit patterns
      break;
    case 1: {  // product and addend of similar magnitude: cancellation
      what = "near-cancel";
      const int ea = r.range(1, 254);
      const int ep = r.range(-10, 260);  // biased exponent of the product
      a = make_f32(r.below(2), ea, r.u32());
      b = make_f32(r.below(2), std::min(std::max(ep - ea + 127, 1), 254), r.u32());
      c = make_f32(r.below(2), ep + r.range(-26, 26), r.u32());
      break;
    }
    case 2: {  // c = -(a*b rounded) and a few ulps around it
      what = "cancel";
      a = make_f32(r.below(2), r.range(64, 190), r.u32());
      b = make_f32(r.below(2), r.range(64, 190), r.u32());
      const float p = float_of(a) * float_of(b);
      c = (bits_of(p) ^ 0x80000000u) + static_cast<uint32_t>(r.range(-3, 3));
      break;
    }
    case 3: {  // short significands: exact products, exact zero sums
      what = "exact-cancel";
      a = make_f32(r.below(2), r.range(1, 254), short_frac(r));
      b = make_f32(r.below(2), r.range(1, 254), short_frac(r));
      const float p = float_of(a) * float_of(b);
      c = bits_of(p) ^ (r.below(4) != 0 ? 0x80000000u : 0u);
      if (r.below(4) == 0) c += static_cast<uint32_t>(r.range(-2, 2));
      break;
    }
    case 4: {  // products near and below the subnormal range
      what = "tiny-product";
      const int ea = r.range(1, 200);
      const int ep = r.range(-40, 8);  // biased exponent of the product
      a = make_f32(r.below(2), ea, r.u32());
      b = make_f32(r.below(2), ep - ea + 127, r.u32());
      if (r.below(3) == 0) b = make_f32(r.below(2), 0, r.u32());  // subnormal b
      switch (r.below(4)) {
        case 0: c = r.below(2) << 31; break;                                  // +-0
        case 1: c = make_f32(r.below(2), 0, r.u32()); break;                  // subnormal
        case 2: c = make_f32(r.below(2), r.range(1, 12), r.u32()); break;    // small normal
        default: break;                                                        // random
      }
      break;
    }
    case 5:  // multiply: fma(a, b, -0)
      what = "mul";
      if (r.below(2)) a = make_f32(r.below(2), r.range(0, 160), r.u32());
      if (r.below(2)) b = make_f32(r.below(2), r.range(0, 160), r.u32());
      c = 0x80000000u;
      break;
    case 6: {  // add: fma(a, 1, c), close exponents including subnormals
      what = "add";
      const int ea = r.range(0, 254);
      a = make_f32(r.below(2), ea, r.u32());
      c = make_f32(r.below(2), ea + r.range(-26, 26), r.u32());
      if (r.below(8) == 0) c = r.u32();
      b = 0x3f800000u;
      break;
    }
    case 7: {  // ties in the product: 3 * m is a 25-bit odd number
      what = "product-tie";
      const uint32_t m = 0x800000u + r.below(0xaaaaab - 0x800000) ;  // 3m < 2^25
      a = make_f32(r.below(2), r.range(60, 190), 0x400000u);           // 1.5 * 2^k
      b = make_f32(r.below(2), r.range(60, 190), (m | 1u) & 0x7fffffu);
      if (r.below(2)) std::swap(a, b);
      c = r.below(2) ? (r.below(2) << 31) : make_f32(r.below(2), r.range(0, 60), r.u32());
      break;
    }
    case 8: {  // ties in an addition: c is an odd multiple of half an ulp of a
      what = "add-tie";
      const int ea = r.range(1, 254);
      a = make_f32(r.below(2), ea, r.u32());
      b = 0x3f800000u;
      const int k = r.range(24, 26);  // 2^-24, 2^-25, 2^-26 of a's binade...
      c = make_f32(r.below(2), ea - k, r.below(2) ? 0u : (r.u32() & 0x700000u));
      if (ea - k < 1) c = make_f32(r.below(2), 0, 1u << r.below(23));
      if (r.below(2)) std::swap(a, c);
      break;
    }
    case 9: {  // results rounded into the subnormal range with a tie at
               // every possible rounding position t (1..24 dropped bits)
      what = "subnormal-tie";
      const int t = r.range(1, 24);
      const uint32_t sig = (0x800000u | r.u32()) & 0xffffffu;
      const uint32_t m = (sig & ~((1u << t) - 1u)) | (r.below(4) ? (1u << (t - 1)) : r.below(1u << t));
      const int ea = r.range(1, 127 - t);
      a = make_f32(r.below(2), ea, m);
      b = make_f32(r.below(2), 128 - t - ea, 0);  // a*b = m * 2^(-149-t)
      switch (r.below(4)) {
        case 0: c = r.below(2) << 31; break;
        case 1: c = make_f32(r.below(2), 0, r.below(4)); break;
        default: c = make_f32(r.below(2), 0, r.u32()); break;
      }
      break;
    }
    case 10: {  // products around the smallest normal 2^-126 and the largest
                // finite number, with c zero, tiny, or near the boundary
      what = "boundary";
      a = make_f32(r.below(2), r.range(1, 254), r.below(2) ? r.u32() : (r.below(2) ? 0x7fffffu - r.below(4) : r.below(4)));
      const bool high = r.below(2) != 0;
      const double target = high ? std::ldexp(1.0, 128) : std::ldexp(1.0, -126);
      const float q = static_cast<float>(target / std::fabs(static_cast<double>(float_of(a))));
      b = (bits_of(q) + static_cast<uint32_t>(r.range(-3, 3))) ^ (r.below(2) << 31);
      switch (r.below(4)) {
        case 0: c = r.below(2) << 31; break;
        case 1: c = make_f32(r.below(2), high ? 254 : 0, r.u32()); break;
        case 2: c = make_f32(r.below(2), high ? r.range(228, 254) : r.range(0, 2), r.u32()); break;
        default: c = r.below(8) ? c : (0x7f800000u | (r.below(2) << 31)); break;
      }
      break;
    }
    default: {  // general: exponents in a band where everything interacts
      what = "band";
      a = make_f32(r.below(2), r.range(100, 154), r.u32());
      b = make_f32(r.below(2), r.range(100, 154), r.u32());
      c = make_f32(r.below(2), r.range(70, 184), r.u32());
      break;
    }
  }
  tb.fma(a, b, c, what);
}

// Operands from sticky_run_operands with an addend that is zero, a small
// subnormal, the negated rounded product (cancellation down to the run), or
// something a little smaller than the product.
void sticky_run_fma(Bench& tb, SplitMix64& r) {
  uint32_t a = 0, b = 0, c = 0;
  if (!sticky_run_operands(r, a, b)) return;
  const float p = float_of(a) * float_of(b);
  switch (r.below(4)) {
    case 0: c = r.below(2) << 31; break;
    case 1: c = make_f32(r.below(2), 0, r.below(1u << r.below(23))); break;
    case 2: c = (bits_of(p) ^ 0x80000000u) + static_cast<uint32_t>(r.range(-2, 2)); break;
    default: c = make_f32(r.below(2), static_cast<int>((bits_of(p) >> 23) & 0xff) + r.range(-30, 2), r.u32()); break;
  }
  tb.fma(a, b, c, "sticky-run");
}

void run_int(Bench& tb, SplitMix64& r, uint64_t random_count) {
  // Edges, powers of two and their neighbours, and every tie position: for a
  // magnitude 2^k (k >= 24) the dropped bits k-23 can be exactly one half.
  const uint32_t edges[] = {0u, 1u, 0xffffffffu, 0x7fffffffu, 0x80000000u, 0x80000001u};
  for (uint32_t e : edges) tb.from_int(e);
  for (int k = 0; k < 31; ++k)
    for (int d = -3; d <= 3; ++d) {
      const uint32_t v = (1u << k) + static_cast<uint32_t>(d);
      tb.from_int(v);
      tb.from_int(0u - v);
    }
  for (int k = 24; k < 31; ++k) {
    const int drop = k - 23;
    for (int n = 0; n < 2000; ++n) {
      const uint32_t hi = ((1u << k) | r.u32()) & ((2u << k) - 1u) & ~((1u << drop) - 1u);
      const uint32_t lo = (n & 1) ? (1u << (drop - 1)) : r.below(1u << drop);
      tb.from_int(hi | lo);
      tb.from_int(0u - (hi | lo));
    }
  }
  for (uint64_t n = 0; n < random_count; ++n) {
    const uint32_t v = r.u32();
    tb.from_int(v >> r.below(32));  // all magnitudes, positive
    tb.from_int(v);                 // uniform
  }
}

int run_half(Bench& tb) {
  int ref_disagree = 0;
#ifdef FP32_TB_HAVE_X86
  const bool have_f16c = __builtin_cpu_supports("f16c");
#endif
  for (uint32_t h = 0; h < 0x10000u; ++h) {
    tb.half(static_cast<uint16_t>(h));
#ifdef FP32_TB_HAVE_X86
    if (have_f16c && f16c_half(static_cast<uint16_t>(h)) != ref_half(static_cast<uint16_t>(h))) {
      if (ref_disagree++ < 4)
        std::printf("REFERENCE half %04x: ieee %08x f16c %08x\n", h, ref_half(static_cast<uint16_t>(h)),
                    f16c_half(static_cast<uint16_t>(h)));
    }
#endif
  }
  return ref_disagree;
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t fma_count = argc > 1 ? std::strtoull(argv[1], nullptr, 0) : 4000000ull;
  const uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 0) : 0x5eed0f32ull;
  const auto t0 = std::chrono::steady_clock::now();

  VerilatedContext ctx;
  Bench tb;
  tb.top = new Vetchsim_fp32_tb_top{&ctx};
  SplitMix64 rng{seed};

  run_special_fma(tb);
  for (uint64_t n = 0; n < fma_count; ++n) random_fma(tb, rng);
  for (uint64_t n = 0; n < fma_count / 64; ++n) sticky_run_fma(tb, rng);
  for (uint64_t n = 0; n < fma_count / 8; ++n) tb.self_check(rng.u32(), rng.u32());
  run_int(tb, rng, fma_count / 8);
  const int half_ref_bad = run_half(tb);

  tb.top->final();
  delete tb.top;
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("fp32_tb: seed %#llx: fma %llu, from_int %llu, fp16_to_fp32 %llu vectors, "
              "%llu reference self-checks; %llu mismatches; %.1f s\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(tb.n_fma),
              static_cast<unsigned long long>(tb.n_int), static_cast<unsigned long long>(tb.n_half),
              static_cast<unsigned long long>(tb.n_self), static_cast<unsigned long long>(tb.bad), secs);
  if (half_ref_bad != 0) {
    std::printf("fp32_tb: FAIL: the IEEE half reference disagrees with F16C on %d inputs\n", half_ref_bad);
    return 1;
  }
  if (tb.bad != 0) {
    std::printf("fp32_tb: FAIL\n");
    return 1;
  }
  std::printf("fp32_tb: PASS\n");
  return 0;
}
