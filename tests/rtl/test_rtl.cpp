// The RTL generator's C++ side: every registry unit it claims has a spec, its refusals name the
// bad input, and its text is deterministic and carries the weights (a flipped code changes it).
// The Verilator runs are the rtl.check.* tests (rtl_check.sh).
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "../support/test_models.hpp"
#include "etchsim/arch/unit_registry.hpp"
#include "etchsim/gguf/reader.hpp"
#include "etchsim/model/llama_model.hpp"
#include "etchsim/rtl/layer_units.hpp"
#include "etchsim/rtl/matvec_rtl.hpp"
#include "etchsim/rtl/testbench.hpp"

namespace etchsim::rtl {
namespace {

arch::DatapathConfig datapath(uint32_t lanes, uint32_t levels) {
  arch::DatapathConfig dp;
  dp.activation_lanes = lanes;
  dp.adder_levels_per_stage = levels;
  return dp;
}

struct Model {
  gguf::GgufFile file;
  model::LlamaModel model;
  explicit Model(model::QuantScheme q)
      : file(gguf::GgufFile::open(
            test_support::synth_once(test_support::gqa3_shape("rtl"), q, 1).string())),
        model(file) {}
};

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(RtlUnits, EveryMatvecUnitOfTheRegistryHasAGenerator) {
  const Model m(model::QuantScheme::Q8_0);
  int covered = 0;
  for (const arch::UnitInfo& u : arch::units()) {
    if (u.rtl != arch::RtlKind::Matvec) {
      EXPECT_EQ(find_matvec_unit(u.name), nullptr) << u.name;
      continue;
    }
    ASSERT_EQ(find_matvec_unit(u.name), &u);
    const MatvecUnitSpec spec = matvec_unit_spec(m.model, 0, &u, RowRange{0, 2}, datapath(16, 4),
                                                 numerics::CpuProfile::Haswell);
    EXPECT_EQ(spec.matrices.size(), u.matrices.size()) << u.name;
    const MatvecGeometry g = matvec_geometry(spec);
    // The generated unit's expected cycles are the registry's formula for the unit.
    arch::ChipConfig config;
    config.datapath = spec.datapath;
    const auto types = arch::WeightTypes::uniform(gguf::GgmlType::Q8_0);
    EXPECT_EQ(g.formula, u.timing({config, m.model.shape(), types})) << u.name;
    EXPECT_NE(generate_matvec_verilog(spec).find("module " + spec.module + " ("),
              std::string::npos);
    ++covered;
  }
  EXPECT_EQ(covered, 5);  // qkv, attn_output, gate_up, down, output
}

TEST(RtlUnits, RefusalsNameTheInput) {
  const Model m(model::QuantScheme::Q8_0);
  const MatvecUnit qkv = find_matvec_unit("qkv");
  EXPECT_NE(error_of([&] {
              matvec_geometry(matvec_unit_spec(m.model, 0, qkv, std::nullopt, datapath(24, 4),
                                               numerics::CpuProfile::Haswell));
            }).find("activation_lanes = 24"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              matvec_unit_spec(m.model, 0, qkv, RowRange{500, 600}, datapath(16, 4),
                               numerics::CpuProfile::Haswell);
            }).find("keeps no row"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              matvec_unit_spec(m.model, 9, qkv, std::nullopt, datapath(16, 4),
                               numerics::CpuProfile::Haswell);
            }).find("layer 9"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_row_range("7-3"); }).find("7-3"), std::string::npos);
  EXPECT_NE(error_of([] { parse_row_range("x"); }).find("A-B"), std::string::npos);
  const RowRange r = parse_row_range("2-5");
  EXPECT_EQ(r.begin, 2);
  EXPECT_EQ(r.end, 6);
}

TEST(RtlUnits, FloatWeightsHaveNoRtlForm) {
  const Model m(model::QuantScheme::F16);
  EXPECT_NE(error_of([&] {
              matvec_geometry(matvec_unit_spec(m.model, 0, find_matvec_unit("down"), std::nullopt,
                                               datapath(16, 4), numerics::CpuProfile::Haswell));
            }).find("no hard-wired RTL form"),
            std::string::npos);
}

TEST(RtlText, DeterministicAndCarriesEveryCode) {
  const Model m(model::QuantScheme::Q4_0);
  MatvecUnitSpec spec =
      matvec_unit_spec(m.model, 0, find_matvec_unit("attn_output"), RowRange{0, 2}, datapath(32, 2),
                       numerics::CpuProfile::Haswell);
  const std::string a = generate_matvec_verilog(spec);
  EXPECT_EQ(a, generate_matvec_verilog(spec));
  spec.fault_row = 1;
  spec.fault_col = 37;
  const std::string b = generate_matvec_verilog(spec);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), b.size());  // one hex digit of one ROM differs
}

TEST(RtlText, TestbenchIsTiedToItsGeometry) {
  const Model m(model::QuantScheme::Q8_0);
  const MatvecUnitSpec s1 = matvec_unit_spec(m.model, 0, find_matvec_unit("down"), RowRange{0, 1},
                                             datapath(16, 4), numerics::CpuProfile::Haswell);
  MatvecUnitSpec s2 = s1;
  s2.datapath.activation_lanes = 32;
  EXPECT_NE(geometry_hash(matvec_geometry(s1)), geometry_hash(matvec_geometry(s2)));
  EXPECT_NE(matvec_testbench_cpp(s1.module, matvec_geometry(s1)).find("kLanes = 16"),
            std::string::npos);
}

}  // namespace
}  // namespace etchsim::rtl
