// etchsim_fp32.v -- IEEE-754 binary32 arithmetic for the etchsim RTL.
//
// Plain Verilog-2005, purely combinational (no clock, no state), written for
// the subset that both Verilator and Yosys accept: packed vectors only,
// functions with constant-bound control flow, no SystemVerilog syntax.
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
//
// Number format reminder (binary32): sign s, biased exponent e (8 bits),
// fraction f (23 bits).  e in 1..254: value = (-1)^s * 1.f * 2^(e-127).
// e == 0: subnormal, value = (-1)^s * 0.f * 2^-126 (f == 0: signed zero).
// e == 255: f == 0 infinity, otherwise NaN; the top fraction bit is the
// "quiet" bit.
//
// All exponents inside the FMA are held as 11-bit two's-complement numbers
// (range -1024..1023); the largest magnitude that occurs is about 400, so
// there is no wrap-around.  They are compared through $signed().

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
  // One C++ function per module for Verilator instead of a copy per instance: a unit has
  // thousands of them, and inlining each made its build take minutes.
  /*verilator no_inline_module*/

  // Normalise a 24-bit significand: returns {leading_zero_count[4:0],
  // significand shifted left by that count}.  A binary search by 16, 8, 4,
  // 2, 1 positions; for a non-zero input the count is at most 23.  The value
  // for a zero input is unused (zero operands are handled separately).
  function [28:0] norm24;
    input [23:0] m;
    reg [23:0] t;
    reg [4:0] n;
    begin
      t = m;
      n = 5'd0;
      if (t[23:8] == 16'd0) begin t = {t[7:0], 16'd0}; n[4] = 1'b1; end
      if (t[23:16] == 8'd0) begin t = {t[15:0], 8'd0}; n[3] = 1'b1; end
      if (t[23:20] == 4'd0) begin t = {t[19:0], 4'd0}; n[2] = 1'b1; end
      if (t[23:22] == 2'd0) begin t = {t[21:0], 2'd0}; n[1] = 1'b1; end
      if (t[23] == 1'b0)    begin t = {t[22:0], 1'b0}; n[0] = 1'b1; end
      norm24 = {n, t};
    end
  endfunction

  // Leading-zero count of a 53-bit vector (53 when it is zero), by the same
  // binary search on a copy padded to 64 bits with ones (the padding stops
  // the search at 53 for a zero input).
  function [5:0] lzc53;
    input [52:0] v;
    reg [63:0] t;
    reg [5:0] n;
    begin
      t = {v, 11'h7ff};
      n = 6'd0;
      if (t[63:32] == 32'd0) begin t = {t[31:0], 32'd0}; n[5] = 1'b1; end
      if (t[63:48] == 16'd0) begin t = {t[47:0], 16'd0}; n[4] = 1'b1; end
      if (t[63:56] == 8'd0)  begin t = {t[55:0], 8'd0};  n[3] = 1'b1; end
      if (t[63:60] == 4'd0)  begin t = {t[59:0], 4'd0};  n[2] = 1'b1; end
      if (t[63:62] == 2'd0)  begin t = {t[61:0], 2'd0};  n[1] = 1'b1; end
      if (t[63] == 1'b0)     begin                       n[0] = 1'b1; end
      lzc53 = n;
    end
  endfunction

  // ---- 1. decode -----------------------------------------------------------
  wire        sa = a[31];
  wire        sb = b[31];
  wire        sc = c[31];
  wire [7:0]  ea = a[30:23];
  wire [7:0]  eb = b[30:23];
  wire [7:0]  ec = c[30:23];

  wire a_nan  = (ea == 8'hff) && (a[22:0] != 23'd0);
  wire b_nan  = (eb == 8'hff) && (b[22:0] != 23'd0);
  wire c_nan  = (ec == 8'hff) && (c[22:0] != 23'd0);
  wire a_inf  = (ea == 8'hff) && (a[22:0] == 23'd0);
  wire b_inf  = (eb == 8'hff) && (b[22:0] == 23'd0);
  wire c_inf  = (ec == 8'hff) && (c[22:0] == 23'd0);
  wire a_zero = (a[30:0] == 31'd0);
  wire b_zero = (b[30:0] == 31'd0);
  wire c_zero = (c[30:0] == 31'd0);

  // Significand with the hidden bit made explicit (0 for subnormals), and
  // the effective biased exponent: a subnormal has the weight of e = 1.
  wire [23:0] ma = {ea != 8'd0, a[22:0]};
  wire [23:0] mb = {eb != 8'd0, b[22:0]};
  wire [23:0] mc = {ec != 8'd0, c[22:0]};

  wire [28:0] na = norm24(ma);
  wire [28:0] nb = norm24(mb);
  wire [28:0] nc = norm24(mc);

  // Exponent of the normalised significand: effective exponent minus the
  // left shift just applied.  For normal inputs the shift is 0.
  wire [10:0] xa = {3'd0, (ea == 8'd0) ? 8'd1 : ea} - {6'd0, na[28:24]};
  wire [10:0] xb = {3'd0, (eb == 8'd0) ? 8'd1 : eb} - {6'd0, nb[28:24]};
  wire [10:0] xc = {3'd0, (ec == 8'd0) ? 8'd1 : ec} - {6'd0, nc[28:24]};

  // ---- 2. product ----------------------------------------------------------
  // 1.x * 1.y with 23 fraction bits each is exact in 48 bits: value in
  // [1, 4) with the binary point between bits 46 and 45.
  wire [47:0] prod = na[23:0] * nb[23:0];
  // Normalise so that the leading one is at bit 47.  The product's exponent
  // is xa + xb - 127 (remove one bias), plus one if the product is >= 2.
  wire [47:0] pm = prod[47] ? prod : {prod[46:0], 1'b0};
  wire [10:0] pe = xa + xb - 11'd127 + {10'd0, prod[47]};
  wire        sp = sa ^ sb;

  // The addend in the same 48-bit format: leading one at bit 47.
  wire [47:0] cm = {nc[23:0], 24'd0};
  wire [10:0] ce = xc;

  // ---- 3. alignment ----------------------------------------------------------
  // The operand with the larger exponent ("big") keeps its place; the other
  // ("small") is shifted right by the exponent difference.  Because both
  // significands are normalised, equal exponents mean comparable magnitudes.
  // A zero addend (with a non-zero product) always makes the product big.
  wire        prod_big = c_zero || ($signed(pe) >= $signed(ce));
  wire [47:0] m_big    = prod_big ? pm : cm;
  wire [47:0] m_small  = prod_big ? cm : pm;
  wire [10:0] e_big    = prod_big ? pe : ce;
  wire [10:0] d        = prod_big ? (pe - ce) : (ce - pe);   // >= 0
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
  wire        d_huge    = (d[10:6] != 5'd0) || (d[5:0] > 6'd52);
  // Shift {small_win, 52 zeros} right so that shifted-out bits stay visible
  // in the low half for the sticky OR.
  wire [103:0] small_sh = {small_win, 52'd0} >> d[5:0];
  wire [51:0] small_hi  = d_huge ? 52'd0 : small_sh[103:52];
  wire        small_st  = d_huge ? (m_small != 48'd0) : (small_sh[51:0] != 52'd0);

  wire [52:0] big_al   = {1'b0, m_big, 4'b0000};
  wire [52:0] small_al = {small_hi, small_st};

  // ---- 4. add / subtract ---------------------------------------------------
  // In a subtraction the difference is negative only when d == 0 and the
  // small significand is the larger one; then negate and flip the sign.
  wire [53:0] sum_raw = eff_sub ? ({1'b0, big_al} - {1'b0, small_al})
                                : ({1'b0, big_al} + {1'b0, small_al});
  wire        neg     = eff_sub && sum_raw[53];
  wire [52:0] sum     = neg ? (53'd0 - sum_raw[52:0]) : sum_raw[52:0];
  wire        s_res   = s_big ^ neg;
  wire        sum_zero = (sum == 53'd0);   // exact cancellation

  // ---- 5. normalisation ----------------------------------------------------
  // Bit 51 of the window has the weight 2^(e_big-127).  After a left shift by
  // k the bit that lands on bit 52 (the hidden-bit position of the result)
  // has weight 2^(e_big+1-k-127).  With k = lz (leading zeros) the result is
  // normal with exponent e_big+1-lz, if that is >= 1.  Otherwise the result
  // is subnormal and the correct shift is k = e_big, which gives bit 52 the
  // weight 2^(1-127) of the subnormal exponent field; bit 52 is then 0.
  // When e_big < 0 that "shift" is a right shift by -e_big, with sticky.
  wire [5:0]  lz       = lzc53(sum);
  wire        eb_neg   = e_big[10];
  wire        use_lz   = !eb_neg && ($signed(e_big) >= $signed({5'd0, lz}));
  wire [5:0]  shl      = use_lz ? lz : e_big[5:0];  // e_big < lz <= 53 here
  wire [52:0] n_left   = sum << shl;

  wire [10:0] rsh      = 11'd0 - e_big;             // used when e_big < 0
  wire        rsh_huge = (rsh[10:6] != 5'd0) || (rsh[5:0] > 6'd53);
  wire [105:0] n_rsh   = {sum, 53'd0} >> rsh[5:0];
  wire [52:0] n_right  = rsh_huge ? 53'd0 : n_rsh[105:53];
  wire        st_right = rsh_huge ? !sum_zero : (n_rsh[52:0] != 53'd0);

  wire [52:0] nrm      = eb_neg ? n_right : n_left;
  wire        st_extra = eb_neg ? st_right : 1'b0;

  // Exponent field: e_big + 1 - lz for a normal result (bit 52 set), else 0.
  wire [10:0] e_norm   = e_big + 11'd1 - {5'd0, shl};
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
                || (p_inf && c_inf && (sp != sc));

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
  // One C++ function per module for Verilator instead of a copy per instance: a unit has
  // thousands of them, and inlining each made its build take minutes.
  /*verilator no_inline_module*/
  wire        s   = i[31];
  wire [31:0] mag = s ? (32'd0 - i) : i;

  // Normalise by binary search: returns {leading-zero count, shifted
  // magnitude without its leading one} (that bit is 1 for a non-zero input).
  function [35:0] norm32;
    input [31:0] v;
    reg [31:0] t;
    reg [4:0] n;
    begin
      t = v;
      n = 5'd0;
      if (t[31:16] == 16'd0) begin t = {t[15:0], 16'd0}; n[4] = 1'b1; end
      if (t[31:24] == 8'd0)  begin t = {t[23:0], 8'd0};  n[3] = 1'b1; end
      if (t[31:28] == 4'd0)  begin t = {t[27:0], 4'd0};  n[2] = 1'b1; end
      if (t[31:30] == 2'd0)  begin t = {t[29:0], 2'd0};  n[1] = 1'b1; end
      if (t[31] == 1'b0)     begin t = {t[30:0], 1'b0};  n[0] = 1'b1; end
      norm32 = {n, t[30:0]};
    end
  endfunction

  wire [35:0] nm   = norm32(mag);
  wire [4:0]  lz   = nm[35:31];
  wire [30:0] m    = nm[30:0];      // bits below the leading one
  wire [7:0]  e    = 8'd158 - {3'd0, lz};   // 158 = 127 + 31
  // RNE; the carry of the increment propagates into the exponent
  // (e.g. 0x7fffffff -> 2^31).
  wire        rnd_up = m[7] && ((m[6:0] != 7'd0) || m[8]);
  wire [30:0] r    = {e, m[30:8]} + {30'd0, rnd_up};

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
  // One C++ function per module for Verilator instead of a copy per instance: a unit has
  // thousands of them, and inlining each made its build take minutes.
  /*verilator no_inline_module*/
  wire       s = h[15];
  wire [4:0] e = h[14:10];
  wire [9:0] f = h[9:0];

  // Normalise the 10-bit subnormal fraction: returns {leading-zero count,
  // the 9 bits below the leading one after shifting it to bit 9}.
  function [12:0] norm10;
    input [9:0] v;
    reg [9:0] t;
    reg [3:0] n;
    begin
      t = v;
      n = 4'd0;
      if (t[9:2] == 8'd0) begin t = {t[1:0], 8'd0}; n[3] = 1'b1; end
      if (t[9:6] == 4'd0) begin t = {t[5:0], 4'd0}; n[2] = 1'b1; end
      if (t[9:8] == 2'd0) begin t = {t[7:0], 2'd0}; n[1] = 1'b1; end
      if (t[9] == 1'b0)   begin t = {t[8:0], 1'b0}; n[0] = 1'b1; end
      norm10 = {n, t[8:0]};
    end
  endfunction

  wire [12:0] ns = norm10(f);
  // After normalisation the leading one is at bit 9 (the hidden bit); the
  // nine bits below it become the top of the 23-bit fraction.
  wire [31:0] sub_y = {s, 8'd112 - {4'd0, ns[12:9]}, ns[8:0], 14'd0};

  assign y = (e == 5'd31) ? ((f == 10'd0) ? {s, 8'hff, 23'd0}
                                          : {s, 8'hff, 1'b1, f[8:0], 13'd0})
           : (e == 5'd0)  ? ((f == 10'd0) ? {s, 31'd0} : sub_y)
           : {s, {3'd0, e} + 8'd112, f, 13'd0};
endmodule

/* verilator lint_on DECLFILENAME */
