#include "rtl_loop.hpp"

#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <charconv>
#include <filesystem>
#include <stdexcept>

namespace etchsim::sim {

// The chip asks a Verilated unit for each token's cycles, with the token's prepared input.
class RtlLoop::Source : public chip::UnitTimingSource {
 public:
  Source(rtl::LoopUnit& unit, rtl::MatvecUnit info) : m_unit(unit), m_info(info) {}

  arch::UnitTiming timing(const chip::TokenTag&, const golden::TokenState* state) override {
    const numerics::Activation* x = nullptr;
    if (state != nullptr) {
      const auto& first = m_unit.spec().matrices.front().weights;
      const gguf::GgmlType want = numerics::vec_dot_type(first.type);
      for (const numerics::Activation& a : rtl::unit_input(*state, *m_info).conversions) {
        if (a.type() == want && a.size() == first.cols) x = &a;
      }
    }
    return m_unit.step_token(x);
  }
  arch::UnitTiming nominal() const override { return m_unit.first_timing(); }

 private:
  rtl::LoopUnit& m_unit;
  rtl::MatvecUnit m_info;
};

RtlLoop::RtlLoop(const RunOptions& o, const model::LlamaModel& model) {
  const rtl::RowRange rows = rtl::parse_row_range(o.rtl_rows);
  struct Parsed {
    uint32_t layer;
    rtl::MatvecUnit unit;
  };
  std::vector<Parsed> parsed;
  for (const std::string& name : o.rtl_units) {
    const size_t dot = name.find('.');
    uint32_t layer = 0;
    const char* digits = name.data() + 5;
    const char* end = name.data() + (dot == std::string::npos ? name.size() : dot);
    const bool ok_prefix = name.rfind("layer", 0) == 0 && dot != std::string::npos;
    const auto [ptr, ec] = ok_prefix ? std::from_chars(digits, end, layer)
                                     : std::from_chars_result{end, std::errc::invalid_argument};
    const rtl::MatvecUnit unit =
        ok_prefix ? rtl::find_matvec_unit(std::string_view(name).substr(dot + 1)) : nullptr;
    if (ec != std::errc() || ptr != end || unit == nullptr || !unit->in_layer()) {
      throw std::invalid_argument("--rtl-units " + name +
                                  ": expected layerN.UNIT with UNIT one of qkv, attn_output, "
                                  "gate_up, down");
    }
    if (layer >= model.layers().size()) {
      throw std::invalid_argument("--rtl-units " + name + ": the model has layers 0-" +
                                  std::to_string(model.layers().size() - 1));
    }
    parsed.push_back({layer, unit});
  }
  std::vector<rtl::MatvecUnitSpec> specs;
  for (const Parsed& p : parsed) {  // every spec checked before anything is built
    specs.push_back(
        rtl::matvec_unit_spec(model, p.layer, p.unit, rows, o.config.datapath, o.profile));
    rtl::matvec_geometry(specs.back());
  }
  m_dir = o.rtl_dir;
  if (m_dir.empty()) {
    char tmpl[] = "/tmp/etchsim-rtl-loop-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("cannot create a temporary directory");
    m_dir = tmpl;
    m_remove_dir = true;
  }
  for (size_t i = 0; i < parsed.size(); ++i) {
    spdlog::info("rtl in the loop: building {} (Verilator)", o.rtl_units[i]);
    m_units.push_back(std::make_unique<rtl::LoopUnit>(specs[i], m_dir, 2));
    m_sources.push_back(std::make_unique<Source>(*m_units.back(), parsed[i].unit));
    m_overrides.push_back({parsed[i].layer, parsed[i].unit->layer_unit(), m_sources.back().get()});
    m_names.push_back(o.rtl_units[i]);
  }
}

RtlLoop::~RtlLoop() {
  m_sources.clear();
  m_units.clear();  // unloads the libraries before their files go
  if (m_remove_dir) {
    std::error_code ec;
    std::filesystem::remove_all(m_dir, ec);
  }
}

std::vector<RtlUnitResult> RtlLoop::results() const {
  std::vector<RtlUnitResult> out;
  for (size_t i = 0; i < m_units.size(); ++i) {
    const rtl::LoopUnit& u = *m_units[i];
    out.push_back({m_names[i], u.geometry().rows, u.tokens(), u.cycles(), u.first_timing(),
                   u.outputs_checked(), u.mismatches(), u.build_seconds()});
  }
  return out;
}

}  // namespace etchsim::sim
