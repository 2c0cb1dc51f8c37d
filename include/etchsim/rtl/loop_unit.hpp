// RTL in the loop: a generated matvec unit built by Verilator into a shared library, loaded with
// dlopen and stepped one clock at a time. The chip asks it, for every token a unit takes, how
// many cycles the RTL needs (latency: chunk 0 taken -> output register written; interval: chunk
// 0 -> the cycle it can take the next token's chunk 0), feeding it the token's activation codes;
// it also compares the RTL's fp32 outputs for its rows with numerics' dot products.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "etchsim/arch/timing.hpp"
#include "etchsim/numerics/activation.hpp"
#include "etchsim/rtl/matvec_rtl.hpp"

namespace etchsim::rtl {

class LoopUnit {
 public:
  // Generates the unit into `dir`, builds it (verilator, `jobs` compile jobs) and loads it.
  // Throws std::runtime_error with the build log's tail when Verilator fails.
  LoopUnit(const MatvecUnitSpec& spec, const std::string& dir, int jobs);
  ~LoopUnit();
  LoopUnit(const LoopUnit&) = delete;
  LoopUnit& operator=(const LoopUnit&) = delete;

  // Steps one token through the RTL from idle: `x` is its prepared activation (nullptr: zero
  // codes and scales, for timing-only runs). Returns the cycles it measured.
  arch::UnitTiming step_token(const numerics::Activation* x);

  const MatvecUnitSpec& spec() const { return m_spec; }
  const MatvecGeometry& geometry() const { return m_geometry; }
  arch::UnitTiming first_timing() const { return m_first; }  // of a zero token, at load
  uint64_t tokens() const { return m_tokens; }
  uint64_t cycles() const { return m_cycles; }          // clocks stepped, reset included
  uint64_t mismatches() const { return m_mismatches; }  // fp32 outputs unlike numerics'
  uint64_t outputs_checked() const { return m_checked; }
  double build_seconds() const { return m_build_seconds; }

 private:
  struct Library;
  int cycle(bool rst, bool in_valid, const int8_t* codes, const uint32_t* scales, uint32_t* out_y);

  MatvecUnitSpec m_spec;
  MatvecGeometry m_geometry;
  std::unique_ptr<Library> m_lib;
  void* m_top = nullptr;
  arch::UnitTiming m_first;
  uint64_t m_tokens = 0;
  uint64_t m_cycles = 0;
  uint64_t m_mismatches = 0;
  uint64_t m_checked = 0;
  double m_build_seconds = 0;
};

}  // namespace etchsim::rtl
