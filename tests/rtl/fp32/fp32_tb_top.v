// fp32_tb_top.v -- Verilator test wrapper: the three modules of
// src/rtl/verilog/etchsim_fp32.v side by side, each with its own inputs,
// so one model evaluates all of them (driven by fp32_tb.cpp).
module etchsim_fp32_tb_top (
    input  [31:0] fma_a,
    input  [31:0] fma_b,
    input  [31:0] fma_c,
    output [31:0] fma_y,
    input  [31:0] int_i,
    output [31:0] int_y,
    input  [15:0] half_h,
    output [31:0] half_y
);
  etchsim_fp32_fma      u_fma  (.a(fma_a), .b(fma_b), .c(fma_c), .y(fma_y));
  etchsim_fp32_from_int u_int  (.i(int_i), .y(int_y));
  etchsim_fp16_to_fp32  u_half (.h(half_h), .y(half_y));
endmodule
