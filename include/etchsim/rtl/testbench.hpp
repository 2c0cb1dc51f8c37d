// The Verilator C++ testbench generated beside a matvec unit, and the stimulus file it reads.
//
// Stimulus (little-endian): "ETRS", version, token count, geometry_hash (4 x u32); then per
// token: chunks x lanes int8 activation codes, chunks x blocks_per_chunk u32 scales (fp16 bits
// in the low half for Q8_0 activations, fp32 bits for Q8_K), rows x u32 expected outputs (fp32
// bits), rows x blocks x terms_per_block i32 expected integer terms (numerics::dot_row_terms,
// zero-padded).
#pragma once

#include <cstdint>
#include <string>

#include "etchsim/rtl/matvec_rtl.hpp"

namespace etchsim::rtl {

inline constexpr uint32_t kStimulusVersion = 1;

// Ties a stimulus to the geometry it was written for.
uint32_t geometry_hash(const MatvecGeometry& geometry);

// C++ source of `tb_<module>`: `tb_<module> STIMULUS RESULT.json`.
std::string matvec_testbench_cpp(const std::string& module, const MatvecGeometry& geometry);

// C++ source of the shim that exposes a Verilated unit to RTL in the loop (loop_unit.hpp):
// extern "C" etchsim_rtl_new / etchsim_rtl_delete / etchsim_rtl_cycle.
std::string matvec_loop_shim_cpp(const std::string& module, const MatvecGeometry& geometry);

}  // namespace etchsim::rtl
