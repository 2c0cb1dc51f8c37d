#include "etchsim/rtl/layer_units.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "etchsim/numerics/dot_terms.hpp"
#include "etchsim/rtl/testbench.hpp"

namespace etchsim::rtl {
namespace {

int64_t parse_int(std::string_view text, std::string_view whole) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 0) {
    throw std::invalid_argument("--rows " + std::string(whole) +
                                ": expected A-B with 0 <= A <= B, e.g. 0-7");
  }
  return v;
}

}  // namespace

MatvecUnit find_matvec_unit(std::string_view name) {
  for (const arch::UnitInfo& u : arch::units()) {
    if (u.rtl == arch::RtlKind::Matvec && u.name == name) return &u;
  }
  return nullptr;
}

MatvecUnit lm_head_unit() { return &arch::unit_info(golden::HeadUnit::Output); }

std::vector<MatvecUnit> parse_matvec_units(std::string_view list, bool lm_head) {
  std::vector<MatvecUnit> units;
  for (size_t start = 0; start <= list.size();) {
    const size_t comma = std::min(list.find(',', start), list.size());
    const std::string_view name = list.substr(start, comma - start);
    start = comma + 1;
    if (name.empty()) continue;
    const MatvecUnit unit = find_matvec_unit(name);
    if (unit == nullptr || !unit->in_layer()) {
      throw std::invalid_argument("--units: unknown matvec unit '" + std::string(name) +
                                  "' (qkv, attn_output, gate_up, down; --lm-head for output)");
    }
    units.push_back(unit);
  }
  if (lm_head) units.push_back(lm_head_unit());
  if (units.empty()) throw std::invalid_argument("no unit selected (--units, --lm-head)");
  return units;
}

std::string_view role_tensor_name(arch::MatrixRole role) {
  using arch::MatrixRole;
  switch (role) {
    case MatrixRole::Q:
      return "attn_q";
    case MatrixRole::K:
      return "attn_k";
    case MatrixRole::V:
      return "attn_v";
    case MatrixRole::O:
      return "attn_output";
    case MatrixRole::Gate:
      return "ffn_gate";
    case MatrixRole::Up:
      return "ffn_up";
    case MatrixRole::Down:
      return "ffn_down";
    case MatrixRole::Output:
      break;
  }
  return "output";
}

const model::TensorView& role_tensor(const model::LlamaModel& model, size_t layer,
                                     arch::MatrixRole role) {
  using arch::MatrixRole;
  if (role == MatrixRole::Output) return model.output();
  if (layer >= model.layers().size()) {
    throw std::invalid_argument("layer " + std::to_string(layer) + " is outside the model (0-" +
                                std::to_string(model.layers().size() - 1) + ")");
  }
  const model::LayerWeights& w = model.layers()[layer];
  switch (role) {
    case MatrixRole::Q:
      return w.attn_q;
    case MatrixRole::K:
      return w.attn_k;
    case MatrixRole::V:
      return w.attn_v;
    case MatrixRole::O:
      return w.attn_output;
    case MatrixRole::Gate:
      return w.ffn_gate;
    case MatrixRole::Up:
      return w.ffn_up;
    default:
      return w.ffn_down;
  }
}

RowRange parse_row_range(std::string_view text) {
  const size_t dash = text.find('-');
  if (dash == std::string_view::npos) parse_int("x", text);  // throws
  const int64_t a = parse_int(text.substr(0, dash), text);
  const int64_t b = parse_int(text.substr(dash + 1), text);
  if (b < a) parse_int("x", text);
  return {a, b + 1};
}

MatvecUnitSpec matvec_unit_spec(const model::LlamaModel& model, size_t layer, MatvecUnit unit,
                                const std::optional<RowRange>& rows,
                                const arch::DatapathConfig& datapath,
                                numerics::CpuProfile profile) {
  MatvecUnitSpec spec;
  if (unit == nullptr || unit->rtl != arch::RtlKind::Matvec) {
    throw std::invalid_argument("matvec_unit_spec: not a unit the matvec generator covers");
  }
  spec.module = unit->in_layer() ? "layer" + std::to_string(layer) + "_" + std::string(unit->name)
                                 : "lm_head_" + std::string(unit->name);
  spec.datapath = datapath;
  spec.profile = profile;
  uint64_t weights = 0;
  for (const arch::MatrixRole role : unit->matrices) {
    const model::TensorView& w = role_tensor(model, layer, role);
    MatrixSlice s{std::string(role_tensor_name(role)), role, w, 0, w.rows};
    if (rows) {
      if (rows->begin >= w.rows) continue;  // this matrix has no row in the slice
      s.row_begin = rows->begin;
      s.row_end = std::min(rows->end, w.rows);
    }
    weights += static_cast<uint64_t>(s.rows()) * static_cast<uint64_t>(s.weights.cols);
    spec.matrices.push_back(s);
  }
  if (spec.matrices.empty()) {
    throw std::invalid_argument(spec.module + ": --rows " + std::to_string(rows->begin) + "-" +
                                std::to_string(rows->end - 1) + " keeps no row of any matrix");
  }
  if (weights > kMaxUnitWeights) {
    throw std::invalid_argument(
        spec.module + " holds " + std::to_string(weights) +
        " weights; etchsim rtl generates at most " + std::to_string(kMaxUnitWeights) +
        " per unit. Keep a slice of each matrix's rows with --rows A-B (rows work in parallel, "
        "so a slice has the whole unit's cycles; scale its area by rows)");
  }
  return spec;
}

const golden::PreparedInput& unit_input(const golden::TokenState& s, const arch::UnitInfo& unit) {
  if (!unit.in_layer()) return s.output_in;
  switch (unit.layer_unit()) {
    case golden::LayerUnit::Qkv:
      return s.attn_in;
    case golden::LayerUnit::AttnOutput:
      return s.attn_out_in;
    case golden::LayerUnit::GateUp:
      return s.ffn_in;
    case golden::LayerUnit::Down:
      return s.down_in;
    default:
      throw std::logic_error("unit_input: " + std::string(unit.name) + " is not a matvec unit");
  }
}

namespace {

// The state vector a role's rows land in.
const std::vector<float>& role_output(const golden::TokenState& s, arch::MatrixRole role) {
  using arch::MatrixRole;
  switch (role) {
    case MatrixRole::Q:
      return s.q;
    case MatrixRole::K:
      return s.k;
    case MatrixRole::V:
      return s.v;
    case MatrixRole::Gate:
      return s.gate;
    case MatrixRole::Up:
      return s.up;
    case MatrixRole::Output:
      return s.logits;
    default:
      return s.proj;  // O, Down
  }
}

void capture(const golden::TokenState& s, const arch::UnitInfo& unit, const MatvecUnitSpec& spec,
             UnitStimulus& out) {
  const gguf::GgmlType want = numerics::vec_dot_type(spec.matrices.front().weights.type);
  for (const numerics::Activation& a : unit_input(s, unit).conversions) {
    if (a.type() == want) out.inputs.push_back(a);
  }
  std::vector<float> y;
  for (const MatrixSlice& m : spec.matrices) {
    const std::vector<float>& v = role_output(s, m.role);
    y.insert(y.end(), v.begin() + m.row_begin, v.begin() + m.row_end);
  }
  out.outputs.push_back(std::move(y));
}

}  // namespace

std::vector<UnitStimulus> golden_stimulus(const golden::LayerDatapath& datapath, size_t layer,
                                          std::span<const int32_t> tokens,
                                          std::span<const MatvecUnit> units,
                                          std::span<const MatvecUnitSpec> specs) {
  if (layer >= datapath.n_layer()) {
    throw std::invalid_argument("layer " + std::to_string(layer) + " is outside the model");
  }
  bool head = false;
  for (MatvecUnit u : units) head = head || !u->in_layer();
  const size_t last_layer = head ? datapath.n_layer() - 1 : layer;
  std::vector<UnitStimulus> out(units.size());
  std::vector<numerics::KvCache> caches;
  for (size_t l = 0; l <= last_layer; ++l) {
    caches.push_back(
        datapath.make_kv_cache(numerics::KvType::F16, static_cast<int>(tokens.size())));
  }
  golden::TokenState s = datapath.make_state();
  for (size_t t = 0; t < tokens.size(); ++t) {
    datapath.embed(tokens[t], static_cast<int32_t>(t), s);
    for (size_t l = 0; l <= last_layer; ++l) {
      for (const arch::UnitInfo& step : arch::layer_units()) {
        datapath.run(step.layer_unit(), l, s, caches[l]);
        if (l != layer) continue;
        for (size_t i = 0; i < units.size(); ++i) {
          if (units[i] == &step) capture(s, step, specs[i], out[i]);
        }
      }
    }
    if (!head) continue;
    for (const arch::UnitInfo& step : arch::head_units()) {
      datapath.run(step.head_unit(), s);
      for (size_t i = 0; i < units.size(); ++i) {
        if (units[i] == &step) capture(s, step, specs[i], out[i]);
      }
    }
  }
  for (size_t i = 0; i < units.size(); ++i) {
    if (out[i].inputs.size() != tokens.size()) {
      throw std::logic_error("golden_stimulus: no prepared input for " + specs[i].module);
    }
  }
  return out;
}

void write_stimulus(const std::string& path, const MatvecUnitSpec& spec, const MatvecGeometry& g,
                    const UnitStimulus& stimulus) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!f) throw std::runtime_error("cannot write " + path);
  auto put = [&](const void* p, size_t n) {
    if (std::fwrite(p, 1, n, f.get()) != n) throw std::runtime_error("cannot write " + path);
  };
  const uint32_t header[4] = {0x53525445u /* "ETRS" */, kStimulusVersion,
                              static_cast<uint32_t>(stimulus.inputs.size()), geometry_hash(g)};
  put(header, sizeof header);
  const uint64_t blocks = static_cast<uint64_t>(g.cols) / g.block_elems;
  for (size_t t = 0; t < stimulus.inputs.size(); ++t) {
    const numerics::Activation& x = stimulus.inputs[t];
    const numerics::ActivationCodes a = numerics::activation_codes(x);
    std::vector<int8_t> codes(g.chunks * g.lanes, 0);
    std::copy(a.q.begin(), a.q.end(), codes.begin());
    std::vector<uint32_t> scales(g.chunks * g.blocks_per_chunk, 0);
    for (uint64_t k = 0; k < g.chunks; ++k) {
      for (uint32_t bc = 0; bc < g.blocks_per_chunk; ++bc) {
        const uint64_t block = k * g.lanes / g.block_elems + bc;
        if (block < blocks) scales[k * g.blocks_per_chunk + bc] = a.bits[block];
      }
    }
    put(codes.data(), codes.size());
    put(scales.data(), scales.size() * 4);
    std::vector<uint32_t> out(stimulus.outputs[t].size());
    std::memcpy(out.data(), stimulus.outputs[t].data(), out.size() * 4);
    put(out.data(), out.size() * 4);
    std::vector<int32_t> terms;
    terms.reserve(static_cast<size_t>(g.rows) * blocks * g.terms_per_block);
    for (const MatrixSlice& m : spec.matrices) {
      const auto order = matrix_dot_order(m, spec.profile);
      const size_t row_bytes = gguf::row_bytes(m.weights.type, m.weights.cols);
      const uint32_t per_block =
          static_cast<uint32_t>(numerics::dot_form(m.weights.type, order)->lanes +
                                numerics::dot_form(m.weights.type, order)->min_lanes);
      for (int64_t r = m.row_begin; r < m.row_end; ++r) {
        const auto row = m.weights.data.subspan(static_cast<size_t>(r) * row_bytes, row_bytes);
        const std::vector<int32_t> row_terms =
            numerics::dot_row_terms(m.weights.type, order, row, x);
        for (uint64_t b = 0; b < blocks; ++b) {
          for (uint32_t k = 0; k < g.terms_per_block; ++k) {
            terms.push_back(k < per_block ? row_terms[b * per_block + k] : 0);
          }
        }
      }
    }
    put(terms.data(), terms.size() * 4);
  }
}

}  // namespace etchsim::rtl
