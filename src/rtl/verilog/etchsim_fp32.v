// etchsim_fp32.v -- IEEE-754 binary32 arithmetic for the etchsim RTL.
//
// Plain Verilog-2005, purely combinational (no clock, no state), written for
// the subset that both Verilator and Yosys accept: packed vectors only, no
// SystemVerilog syntax.
//
// Modules:
//   etchsim_fp32_fma      y = a*b + c rounded once, to nearest even (RNE).
//                         Bit-exact with std::fma(float,float,float) on x86
//                         (FMA3) including subnormals, signed zeros, infinities
//                         and NaN propagation. Used for multiply
//                         (fma(a,b,-0.0)), add (fma(a,1.0,b)) and fused
//                         multiply-add.
//   etchsim_fp32_from_int signed int32 -> binary32, RNE (cvtdq2ps).
//   etchsim_fp16_to_fp32  binary16 -> binary32, exact (F16C vcvtph2ps).
// Internal helpers (not for direct use): etchsim_fp32_fma_core,
// etchsim_fp32_from_int_core, etchsim_fp16_to_fp32_core, etchsim_fp32_norm24.
//
// Number format reminder (binary32): sign s, biased exponent e (8 bits),
// fraction f (23 bits).  e in 1..254: value = (-1)^s * 1.f * 2^(e-127).
// e == 0: subnormal, value = (-1)^s * 0.f * 2^-126 (f == 0: signed zero).
// e == 255: f == 0 infinity, otherwise NaN; the top fraction bit is the
// "quiet" bit.
//
// ---- Why every module is a thin shell around a "core" ---------------------
// A generated unit instantiates these modules thousands of times, so the
// size of the C++ that Verilator emits per instance decides how long a unit
// takes to build.  Three Verilator behaviours (checked with 5.006) matter:
//   * The logic of a non-inlined module is emitted once per *instance* (one
//     C++ function per instance and scheduling region); only functions with
//     identical bodies are merged (V3Combine).
//   * Gate optimisation replaces every read of an input port by the
//     expression that drives it in the parent, so each instance's body reads
//     different parent signals and no two bodies are identical.  Likewise a
//     parent that reads an output may get the logic driving it copied in.
//   * A Verilog function call is inlined with locals numbered per call site
//     (__Vfunc_f__<n>), which also makes the bodies differ.
// So each public module only instantiates a core whose ports are marked
// public_flat_rd, which Gate may not substitute: the core's logic reads and
// writes its own port variables, has no function calls, and is the same C++
// for every instance.  One copy of it is kept (or a few: one per scheduling
// region, and the statement order can differ between instances), and an
// instance costs a port copy, a call and a scope entry.  Read-only public
// rather than public: a writable public signal would also be re-evaluated in
// the input-combinational ('ico') region on every eval().
// To keep that copy small, the datapath uses vectors of at most 64 bits
// (wider ones become VlWide arrays with word-by-word shift code).
// For Yosys the shells are transparent (synth -flatten) and the metacomments
// are ordinary comments.

/* verilator lint_off DECLFILENAME */
// DECLFILENAME: the library is deliberately one file holding several modules
// (etchsim_fp32_*, etchsim_fp16_to_fp32), so module and file names differ.

// -----------------------------------------------------------------------------
// etchsim_fp32_fma
//
// Datapath overview (one rounding at the very end):
//   1. Decode a, b, c.  Subnormal significands are normalised up front (their
//      exponent goes below 1), so every non-zero significand is 1.xxx with
//      the hidden bit at bit 23.  This keeps the product in [2^46, 2^48) and
//      makes exponent comparisons equal magnitude comparisons.
//   2. Product: 24 x 24 -> 48-bit exact product.  At most one left shift puts
//      its leading one at bit 47.  The addend's 24-bit significand is widened
//      to the same 48-bit format (zeros below).
//   3. Alignment: the operand with the smaller exponent is shifted right by
//      the exponent difference d into a 53-bit window; bits shifted out of
//      the window are OR-ed into a separate sticky bit (window bit 0) that no
//      data bit ever occupies.
//   4. Add or subtract the aligned significands (exact apart from the sticky
//      bit), take the magnitude and fix the sign.
//   5. Normalise: shift left by the leading-zero count, but never so far that
//      the exponent would drop below 1 (then the result is subnormal); if the
//      larger exponent is already below 1, shift right instead, with sticky.
//   6. Round to nearest, ties to even, on the packed {exponent, fraction}
//      word, so a carry out of the fraction bumps the exponent: this turns
//      the largest subnormal into the smallest normal and the largest finite
//      number into infinity automatically.
//   7. Special operands (NaN, inf, zero products) bypass the datapath.
// -----------------------------------------------------------------------------
module etchsim_fp32_fma (
    input  [31:0] a,
    input  [31:0] b,
    input  [31:0] c,
    output [31:0] y
);
  // Not inlined into the parent: a unit has thousands of these, and inlining each made its
  // build take minutes.  That alone still gives every instance its own C++; the single shared
  // copy comes from the core, see "Why every module is a thin shell" at the top of the file.
  /*verilator no_inline_module*/

  // The operands travel as one vector so that all of the core's logic
  // depends on a single variable and stays in one C++ function per instance
  // (with separate a, b, c it gets split around the parent's logic, e.g. a
  // and b from registers, c from a neighbouring fma: more functions, and
  // fewer of them identical).
  etchsim_fp32_fma_core u_core (.abc({a, b, c}), .y(y));
endmodule

// Normalise a 24-bit significand: n = its leading-zero count (at most 23 for
// a non-zero input), t = the significand shifted left by n.  A binary search
// by 16, 8, 4, 2, 1 positions.  The result for a zero input is unused (zero
// operands are handled separately).  A module rather than a function so that
// its signals are named after the instance, the same in every fma (see the
// file header); inline_module keeps it from getting C++ functions per instance.
module etchsim_fp32_norm24 (
    input  [23:0] m,
    output [4:0]  n,
    output [23:0] t
);
  /*verilator inline_module*/
  // (One scalar per count bit: bits of one vector feeding each other would
  // look like a combinational loop to Verilator, UNOPTFLAT.)
  wire        z4 = (m[23:8] == 16'd0);
  wire [23:0] t4 = z4 ? {m[7:0], 16'd0}  : m;
  wire        z3 = (t4[23:16] == 8'd0);
  wire [23:0] t3 = z3 ? {t4[15:0], 8'd0} : t4;
  wire        z2 = (t3[23:20] == 4'd0);
  wire [23:0] t2 = z2 ? {t3[19:0], 4'd0} : t3;
  wire        z1 = (t2[23:22] == 2'd0);
  wire [23:0] t1 = z1 ? {t2[21:0], 2'd0} : t2;
  wire        z0 = !t1[23];
  assign t = z0 ? {t1[22:0], 1'b0} : t1;
  assign n = {z4, z3, z2, z1, z0};
endmodule

module etchsim_fp32_fma_core (
    // public_flat_rd: read and written in place by one shared copy of the
    // logic, see the file header.
    input  [95:0] abc /*verilator public_flat_rd*/,   // {a, b, c}
    output [31:0] y   /*verilator public_flat_rd*/
);
  /*verilator no_inline_module*/
  wire [31:0] a = abc[95:64];
  wire [31:0] b = abc[63:32];
  wire [31:0] c = abc[31:0];

  // All exponents below are 11-bit two's-complement numbers (range
  // -1024..1023); the largest magnitude that occurs is about 430, so there
  // is no wrap-around.  Signs are tested through bit 10 / $signed().

  // ---- 1. decode -----------------------------------------------------------
  wire        sa = a[31];
  wire        sb = b[31];
  wire        sc = c[31];
  wire [7:0]  ea = a[30:23];
  wire [7:0]  eb = b[30:23];
  wire [7:0]  ec = c[30:23];

  wire a_sub  = (ea == 8'd0);                 // zero or subnormal
  wire b_sub  = (eb == 8'd0);
  wire c_sub  = (ec == 8'd0);
  wire a_max  = (ea == 8'hff);                // infinity or NaN
  wire b_max  = (eb == 8'hff);
  wire c_max  = (ec == 8'hff);
  wire a_f0   = (a[22:0] == 23'd0);
  wire b_f0   = (b[22:0] == 23'd0);
  wire c_f0   = (c[22:0] == 23'd0);
  wire a_nan  = a_max && !a_f0;
  wire b_nan  = b_max && !b_f0;
  wire c_nan  = c_max && !c_f0;
  wire a_inf  = a_max && a_f0;
  wire b_inf  = b_max && b_f0;
  wire c_inf  = c_max && c_f0;
  wire a_zero = a_sub && a_f0;
  wire b_zero = b_sub && b_f0;
  wire c_zero = c_sub && c_f0;

  // Significand with the hidden bit made explicit (0 for subnormals),
  // normalised so that its leading one is at bit 23.
  wire [4:0]  la, lb, lc;     // left shifts applied (0 for normal inputs)
  wire [23:0] na, nb, nc;
  etchsim_fp32_norm24 u_na (.m({!a_sub, a[22:0]}), .n(la), .t(na));
  etchsim_fp32_norm24 u_nb (.m({!b_sub, b[22:0]}), .n(lb), .t(nb));
  etchsim_fp32_norm24 u_nc (.m({!c_sub, c[22:0]}), .n(lc), .t(nc));

  // Exponent of the normalised significand: the effective biased exponent
  // (a subnormal has the weight of e = 1; "e | 1" when e == 0) minus the
  // left shift just applied.
  wire [10:0] xa = {3'd0, ea[7:1], ea[0] | a_sub} - {6'd0, la};
  wire [10:0] xb = {3'd0, eb[7:1], eb[0] | b_sub} - {6'd0, lb};
  wire [10:0] xc = {3'd0, ec[7:1], ec[0] | c_sub} - {6'd0, lc};

  // ---- 2. product ----------------------------------------------------------
  // 1.x * 1.y with 23 fraction bits each is exact in 48 bits: value in
  // [1, 4) with the binary point between bits 46 and 45.
  wire [47:0] prod = na * nb;
  // Normalise so that the leading one is at bit 47.  The product's exponent
  // is xa + xb - 127 (remove one bias), plus one if the product is >= 2.
  wire [47:0] pm = prod[47] ? prod : {prod[46:0], 1'b0};
  wire [10:0] pe = xa + xb - 11'd127 + {10'd0, prod[47]};
  wire        sp = sa ^ sb;

  // The addend in the same 48-bit format: leading one at bit 47.
  wire [47:0] cm = {nc, 24'd0};

  // ---- 3. alignment ----------------------------------------------------------
  // The operand with the larger exponent ("big") keeps its place; the other
  // ("small") is shifted right by the exponent difference.  Because both
  // significands are normalised, equal exponents mean comparable magnitudes.
  // A zero addend (with a non-zero product) always makes the product big;
  // its d may then be garbage, but the small significand is 0.
  wire [10:0] pe_ce    = pe - xc;                 // no overflow, see above
  wire        prod_big = c_zero || !pe_ce[10];    // pe >= xc
  wire [47:0] m_big    = prod_big ? pm : cm;
  wire [47:0] m_small  = prod_big ? cm : pm;
  wire [10:0] e_big    = prod_big ? pe : xc;
  wire [10:0] d        = prod_big ? pe_ce : (11'd0 - pe_ce);   // >= 0
  wire        s_big    = prod_big ? sp : sc;
  wire        eff_sub  = sp ^ sc;                             // signs differ

  // 53-bit window: bit 52 catches the carry of an addition, bits 51..4 hold
  // the big significand, bits 3..1 are guard bits so that shifts by up to 3
  // lose nothing, and bit 0 is the sticky bit.  If d >= 4 some small bits
  // fall out of the window, but then |small| < |big|/8 and the sum loses at
  // most one leading bit to cancellation, so the result's round bit lies
  // far above bit 0: a sticky bit worth "something in (0, 1) units of bit 1"
  // gives the correct round and sticky information for both addition and
  // subtraction.  (Bit 0 is reserved for it so that the sticky never merges
  // with a data bit of the small operand: "b | sticky" on a data bit b is
  // not a correct stand-in for "b + something in (0, 1)" in a subtraction.)
  wire [51:0] small_win = {1'b0, m_small, 3'b000};     // window bits 52..1
  // Shift amount saturated to 63: any d >= 52 shifts the whole operand out.
  // 6 bits keep every shift below 64 bits wide (no VlWide code).
  wire [5:0]  ds        = (d[10:6] != 5'd0) ? 6'd63 : d[5:0];
  wire [51:0] small_hi  = small_win >> ds;
  // Sticky: the bits shifted out, i.e. those under a mask of ds low ones.
  wire [51:0] lost_a    = ~({52{1'b1}} << ds);
  wire        small_st  = ((small_win & lost_a) != 52'd0);

  wire [52:0] big_al   = {1'b0, m_big, 4'b0000};
  wire [52:0] small_al = {small_hi, small_st};

  // ---- 4. add / subtract ---------------------------------------------------
  // In a subtraction the difference is negative only when d == 0 and the
  // small significand is the larger one; then negate and flip the sign.
  wire [53:0] sum_raw  = eff_sub ? ({1'b0, big_al} - {1'b0, small_al})
                                 : ({1'b0, big_al} + {1'b0, small_al});
  wire        neg      = eff_sub && sum_raw[53];
  wire [52:0] sum      = neg ? (53'd0 - sum_raw[52:0]) : sum_raw[52:0];
  wire        s_res    = s_big ^ neg;
  wire        sum_zero = (sum == 53'd0);   // exact cancellation

  // ---- 5. normalisation ----------------------------------------------------
  // Bit 51 of the window has the weight 2^(e_big-127).  After a left shift by
  // k the bit that lands on bit 52 (the hidden-bit position of the result)
  // has weight 2^(e_big+1-k-127).  With k = lz (leading zeros) the result is
  // normal with exponent e_big+1-lz, if that is >= 1.  Otherwise the result
  // is subnormal and the correct shift is k = e_big, which gives bit 52 the
  // weight 2^(1-127) of the subnormal exponent field; bit 52 is then 0.
  // So k = min(lz, e_big) for e_big >= 0.  When e_big < 0 that "shift" is a
  // right shift by -e_big, with sticky.
  //
  // Left: one pass computes k and shifts by it.  Stage j shifts by 2^j when
  // the top 2^j bits are zero (there are that many more leading zeros) and
  // the total shift stays <= e_max = min(e_big, 63).  Taking the largest
  // power of two that fits at each stage builds k = min(lz, e_max) bit by
  // bit (k < 64), so k's binary digits are exactly the stage decisions.
  // (sum == 0 gives some k; the result is then +0 anyway, see below.)
  wire        eb_neg = e_big[10];
  wire [5:0]  e_max  = (e_big[9:6] != 4'd0) ? 6'd63 : e_big[5:0];  // if !eb_neg
  // (k5..k0 are scalars for the same UNOPTFLAT reason as in norm24.)
  wire        k5 = (sum[52:21] == 32'd0) && (6'd32 <= e_max);
  wire [52:0] l5 = k5 ? {sum[20:0], 32'd0} : sum;
  wire        k4 = (l5[52:37] == 16'd0) && ({k5, 5'd16} <= e_max);
  wire [52:0] l4 = k4 ? {l5[36:0], 16'd0} : l5;
  wire        k3 = (l4[52:45] == 8'd0) && ({k5, k4, 4'd8} <= e_max);
  wire [52:0] l3 = k3 ? {l4[44:0], 8'd0} : l4;
  wire        k2 = (l3[52:49] == 4'd0) && ({k5, k4, k3, 3'd4} <= e_max);
  wire [52:0] l2 = k2 ? {l3[48:0], 4'd0} : l3;
  wire        k1 = (l2[52:51] == 2'd0) && ({k5, k4, k3, k2, 2'd2} <= e_max);
  wire [52:0] l1 = k1 ? {l2[50:0], 2'd0} : l2;
  wire        k0 = !l1[52] && ({k5, k4, k3, k2, k1, 1'd1} <= e_max);
  wire [52:0] n_left = k0 ? {l1[51:0], 1'b0} : l1;
  wire [5:0]  k = {k5, k4, k3, k2, k1, k0};

  // Right (e_big < 0): shift by -e_big saturated to 63 (>= 53 shifts all of
  // sum out); the bits shifted out go to the sticky, found with a mask as in
  // the alignment.
  wire [10:0] rsh      = 11'd0 - e_big;
  wire [5:0]  rs       = (rsh[10:6] != 5'd0) ? 6'd63 : rsh[5:0];
  wire [52:0] n_right  = sum >> rs;
  wire [52:0] lost_n   = ~({53{1'b1}} << rs);
  wire        st_right = ((sum & lost_n) != 53'd0);

  wire [52:0] nrm      = eb_neg ? n_right : n_left;
  wire        st_extra = eb_neg && st_right;

  // Exponent field: e_big + 1 - k for a normal result (bit 52 set), else 0.
  // (After a right shift bit 52 is always 0.)
  wire [10:0] e_norm   = e_big + 11'd1 - {5'd0, k};
  wire        is_norm  = nrm[52];
  wire        overflow = is_norm && ($signed(e_norm) >= $signed(11'd255));
  wire [7:0]  e_field  = is_norm ? e_norm[7:0] : 8'd0;

  // ---- 6. round to nearest, ties to even -----------------------------------
  // Result fraction = nrm[51:29] (nrm[52] is the hidden bit), round bit
  // nrm[28], sticky = everything below plus bits lost by a right shift.
  // Round up if the round bit is set and either something non-zero lies
  // below it or the fraction is odd (the tie case goes to even).  Adding the
  // increment to the packed {exponent, fraction} lets the carry ripple into
  // the exponent: subnormal -> normal, 2.0 -> next binade, max -> infinity.
  wire [22:0] frac     = nrm[51:29];
  wire        rnd_bit  = nrm[28];
  wire        sticky   = (nrm[27:0] != 28'd0) || st_extra;
  wire        rnd_up   = rnd_bit && (sticky || frac[0]);
  wire [30:0] mag      = {e_field, frac} + {30'd0, rnd_up};

  wire [31:0] y_main   = overflow ? {s_res, 8'hff, 23'd0}
                       : sum_zero ? 32'h0000_0000      // x - x = +0 under RNE
                       : {s_res, mag};

  // ---- 7. special operands --------------------------------------------------
  // x86 rule: a NaN result is the first NaN operand in the order a, b, c,
  // made quiet (top fraction bit set), with its sign and payload kept --
  // even for inf*0+NaN.  Invalid operations without a NaN operand (inf*0,
  // inf-inf) give the x86 "default NaN" 0xFFC00000.
  wire p_inf     = a_inf || b_inf;
  wire p_zero    = a_zero || b_zero;
  wire invalid   = (a_inf && b_zero) || (a_zero && b_inf)
                || (p_inf && c_inf && eff_sub);

  assign y = a_nan   ? (a | 32'h0040_0000)
           : b_nan   ? (b | 32'h0040_0000)
           : c_nan   ? (c | 32'h0040_0000)
           : invalid ? 32'hffc0_0000
           : p_inf   ? {sp, 8'hff, 23'd0}
           : c_inf   ? c
           // Exact zero product: the result is c unchanged, unless c is a
           // zero too; then -0 only if both zeros are negative (RNE rule).
           : p_zero  ? (c_zero ? {sp & sc, 31'd0} : c)
           : y_main;
endmodule

// -----------------------------------------------------------------------------
// etchsim_fp32_from_int: signed 32-bit integer -> binary32, round to nearest
// even (like a C (float) cast of an int32_t / cvtdq2ps).
//   The magnitude |i| (0x80000000 -> 2^31 fits in 32 unsigned bits) is
//   normalised so its leading one sits at bit 31; the exponent is then
//   127 + 31 - lz.  Only 24 significant bits fit, so bits 7..0 of the
//   normalised value are the round bit (7) and the sticky bits (6..0).
// -----------------------------------------------------------------------------
module etchsim_fp32_from_int (
    input  [31:0] i,
    output [31:0] y
);
  // Not inlined into the parent: a unit has thousands of these, and inlining each made its
  // build take minutes.  That alone still gives every instance its own C++; the single shared
  // copy comes from the core, see "Why every module is a thin shell" at the top of the file.
  /*verilator no_inline_module*/
  etchsim_fp32_from_int_core u_core (.i(i), .y(y));
endmodule

module etchsim_fp32_from_int_core (
    // public_flat_rd: see the file header.
    input  [31:0] i /*verilator public_flat_rd*/,
    output [31:0] y /*verilator public_flat_rd*/
);
  /*verilator no_inline_module*/
  wire        s   = i[31];
  wire [31:0] mag = s ? (32'd0 - i) : i;

  // Normalise by binary search: lz = leading-zero count, m = magnitude
  // shifted left by lz (its bit 31 is 1 for a non-zero input).
  // (Scalars z4..z0 for the count bits, see norm24.)
  wire        z4 = (mag[31:16] == 16'd0);
  wire [31:0] t4 = z4 ? {mag[15:0], 16'd0} : mag;
  wire        z3 = (t4[31:24] == 8'd0);
  wire [31:0] t3 = z3 ? {t4[23:0], 8'd0} : t4;
  wire        z2 = (t3[31:28] == 4'd0);
  wire [31:0] t2 = z2 ? {t3[27:0], 4'd0} : t3;
  wire        z1 = (t2[31:30] == 2'd0);
  wire [31:0] t1 = z1 ? {t2[29:0], 2'd0} : t2;
  wire        z0 = !t1[31];
  wire [30:0] m  = z0 ? {t1[29:0], 1'b0} : t1[30:0];   // bits below the leading one
  wire [4:0]  lz = {z4, z3, z2, z1, z0};

  wire [7:0]  e  = 8'd158 - {3'd0, lz};   // 158 = 127 + 31
  // RNE; the carry of the increment propagates into the exponent
  // (e.g. 0x7fffffff -> 2^31).
  wire        rnd_up = m[7] && ((m[6:0] != 7'd0) || m[8]);
  wire [30:0] r  = {e, m[30:8]} + {30'd0, rnd_up};

  assign y = (i == 32'd0) ? 32'd0 : {s, r};
endmodule

// -----------------------------------------------------------------------------
// etchsim_fp16_to_fp32: binary16 -> binary32, exact (every half is a float).
//   normal:    exponent rebiased by 127 - 15 = 112, fraction padded by 13 bits
//   subnormal: 0.f * 2^-14 is normalised: the leading one of the 10-bit
//              fraction at bit p = 9 - lz gives 2^(p-24), i.e. exponent field
//              112 - lz, and the bits below the leading one form the fraction
//   zero, inf: sign kept
//   NaN:       payload kept (shifted up by 13) and made quiet, as F16C does.
// -----------------------------------------------------------------------------
module etchsim_fp16_to_fp32 (
    input  [15:0] h,
    output [31:0] y
);
  // Not inlined into the parent: a unit has thousands of these, and inlining each made its
  // build take minutes.  That alone still gives every instance its own C++; the single shared
  // copy comes from the core, see "Why every module is a thin shell" at the top of the file.
  /*verilator no_inline_module*/
  etchsim_fp16_to_fp32_core u_core (.h(h), .y(y));
endmodule

module etchsim_fp16_to_fp32_core (
    // public_flat_rd: see the file header.
    input  [15:0] h /*verilator public_flat_rd*/,
    output [31:0] y /*verilator public_flat_rd*/
);
  /*verilator no_inline_module*/
  wire       s = h[15];
  wire [4:0] e = h[14:10];
  wire [9:0] f = h[9:0];

  // Normalise the 10-bit subnormal fraction by binary search: lz = its
  // leading-zero count, t = the fraction shifted left by lz.  After that the
  // leading one is at bit 9 (the hidden bit); the nine bits below it become
  // the top of the 23-bit fraction.
  // (Scalars z3..z0 for the count bits, see norm24.)
  wire       z3 = (f[9:2] == 8'd0);
  wire [9:0] t3 = z3 ? {f[1:0], 8'd0} : f;
  wire       z2 = (t3[9:6] == 4'd0);
  wire [9:0] t2 = z2 ? {t3[5:0], 4'd0} : t3;
  wire       z1 = (t2[9:8] == 2'd0);
  wire [9:0] t1 = z1 ? {t2[7:0], 2'd0} : t2;
  wire       z0 = !t1[9];
  wire [8:0] t  = z0 ? {t1[7:0], 1'b0} : t1[8:0];
  wire [3:0] lz = {z3, z2, z1, z0};

  wire [31:0] sub_y = {s, 8'd112 - {4'd0, lz}, t, 14'd0};

  assign y = (e == 5'd31) ? (((f == 10'd0) ? {s, 8'hff, 23'd0}
                                           : {s, 8'hff, 1'b1, f[8:0], 13'd0}))
           : (e == 5'd0)  ? ((f == 10'd0) ? {s, 31'd0} : sub_y)
           : {s, {3'd0, e} + 8'd112, f, 13'd0};
endmodule

/* verilator lint_on DECLFILENAME */
