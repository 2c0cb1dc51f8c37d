// The unit registry (unit_registry.hpp): one row per unit, in the order a token passes them.
#include "etchsim/arch/unit_registry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <vector>

#include "etchsim/arch/weight_cell.hpp"

namespace etchsim::arch {
namespace {

using golden::HeadUnit;
using golden::LayerUnit;

constexpr size_t kUnitCount = golden::kLayerUnitCount + golden::kHeadUnitCount;

using C = const UnitContext&;
using U = const UnitInfo&;
using Size = uint64_t (*)(C);

// The sizes the formulas see.
uint64_t embd(C c) { return c.shape.n_embd; }
uint64_t ff(C c) { return c.shape.n_ff; }
uint64_t two_ff(C c) { return 2 * ff(c); }                                 // gate and up
uint64_t q(C c) { return uint64_t{c.shape.n_head} * c.shape.head_dim(); }  // Q, attention
uint64_t kv(C c) { return c.shape.n_embd_kv(); }                           // K or V
uint64_t rope_in(C c) { return q(c) + kv(c); }                             // Q and K
uint64_t rope_out(C c) { return q(c) + 2 * kv(c); }                        // Q, K, V
const DatapathConfig& dp(C c) { return c.config.datapath; }

// The most cells per weight among the unit's matrices: its rows' tree depth.
uint32_t max_cells(C c, U u) {
  uint32_t cells = 0;
  for (const MatrixRole m : u.matrices) {
    cells = std::max(cells, cell_layout(weight_type(c.types, m), c.allow_float).cells_per_weight);
  }
  return cells;
}

// Timing: arch/timing.hpp's formulas over the unit's sizes.
template <Size N>
UnitTiming norm_t(C c, U) {
  return rms_norm_timing(N(c), dp(c));
}
template <Size N>
UnitTiming quantize_t(C c, U) {
  return quantize_timing(N(c), dp(c));
}
template <Size Cols>
UnitTiming matvec_t(C c, U u) {
  return matvec_timing(Cols(c), dp(c), max_cells(c, u));
}
template <Size N>
UnitTiming residual_t(C c, U) {
  return residual_timing(N(c), dp(c));
}
template <Size N>
UnitTiming silu_mul_t(C c, U) {
  return silu_mul_timing(N(c), dp(c));
}
UnitTiming rope_t(C c, U) { return rope_timing(embd(c) + kv(c), dp(c)); }
UnitTiming attention_t(C c, U) {
  return attention_timing(c.n_pos, {c.shape.n_head, c.shape.n_head_kv, c.shape.head_dim()},
                          c.config);
}
UnitTiming argmax_t(C c, U) { return argmax_timing(c.shape.n_vocab, dp(c)); }

// Product banks per activation lane of a matvec unit: datapath.matvec_units beyond 4 split the
// fused units, QKV first (up to 3), then gate|up.
using Banks = uint32_t (*)(C);
uint32_t extra_matvec_units(C c) { return c.config.datapath.matvec_units - 4; }
uint32_t one_bank(C) { return 1; }
uint32_t qkv_banks(C c) { return 1 + std::min(extra_matvec_units(c), 2u); }
uint32_t gate_up_banks(C c) { return 1 + (extra_matvec_units(c) > 2 ? 1u : 0u); }

// Cost: area.hpp's builders over the unit's sizes (and, for a matvec, its matrices).
template <Size In, Size Out>
UnitCost vector_c(C c, U u) {
  return vector_unit_cost(u.name, c.config, In(c), Out(c));
}
template <Size Cols, Banks B>
UnitCost matvec_c(C c, U u) {
  std::vector<UnitMatrix> matrices;
  for (const MatrixRole m : u.matrices) {
    matrices.push_back({weight_type(c.types, m), matrix_rows(c.shape, m)});
  }
  return matvec_unit_cost(u.name, c.config, Cols(c), matrices, B(c));
}
UnitCost attention_c(C c, U u) { return attention_unit_cost(u.name, c.config, c.shape); }
UnitCost argmax_c(C c, U u) { return argmax_unit_cost(u.name, c.shape); }

// One row of the table: what golden/ does not already say about the unit.
struct Spec {
  DatapathStep step;
  UnitKind kind;
  UnitInfo::TimingFn timing;
  UnitInfo::CostFn cost;
  RtlKind rtl;
};

using K = UnitKind;
using R = RtlKind;

// In the order a token passes the units (golden::LayerUnit, then golden::HeadUnit order).
constexpr std::array<Spec, kUnitCount> kSpecs{{
    {LayerUnit::AttnNorm, K::Norm, norm_t<embd>, vector_c<embd, embd>, R::None},
    {LayerUnit::AttnQuantize, K::Quantize, quantize_t<embd>, vector_c<embd, embd>, R::None},
    {LayerUnit::Qkv, K::Matvec, matvec_t<embd>, matvec_c<embd, qkv_banks>, R::Matvec},
    {LayerUnit::Rope, K::Rope, rope_t, vector_c<rope_in, rope_out>, R::None},
    {LayerUnit::Attention, K::Attention, attention_t, attention_c, R::KvSchedule},
    {LayerUnit::AttnOutQuantize, K::Quantize, quantize_t<embd>, vector_c<q, q>, R::None},
    {LayerUnit::AttnOutput, K::Matvec, matvec_t<embd>, matvec_c<q, one_bank>, R::Matvec},
    {LayerUnit::AttnResidual, K::Residual, residual_t<embd>, vector_c<embd, embd>, R::None},
    {LayerUnit::FfnNorm, K::Norm, norm_t<embd>, vector_c<embd, embd>, R::None},
    {LayerUnit::FfnQuantize, K::Quantize, quantize_t<embd>, vector_c<embd, embd>, R::None},
    {LayerUnit::GateUp, K::Matvec, matvec_t<embd>, matvec_c<embd, gate_up_banks>, R::Matvec},
    {LayerUnit::SiluMul, K::SiluMul, silu_mul_t<ff>, vector_c<two_ff, ff>, R::None},
    {LayerUnit::DownQuantize, K::Quantize, quantize_t<ff>, vector_c<ff, ff>, R::None},
    {LayerUnit::Down, K::Matvec, matvec_t<ff>, matvec_c<ff, one_bank>, R::Matvec},
    {LayerUnit::FfnResidual, K::Residual, residual_t<embd>, vector_c<embd, embd>, R::None},
    {HeadUnit::OutputNorm, K::Norm, norm_t<embd>, vector_c<embd, embd>, R::None},
    {HeadUnit::OutputQuantize, K::Quantize, quantize_t<embd>, vector_c<embd, embd>, R::None},
    {HeadUnit::Output, K::Matvec, matvec_t<embd>, matvec_c<embd, one_bank>, R::Matvec},
    {HeadUnit::Argmax, K::Argmax, argmax_t, argmax_c, R::None},
}};

// The LM head's matvec multiplies the output matrix (golden/ has no role for it: LoRA adapters
// of token_embd and output are not supported).
constexpr std::array kOutputMatrices{MatrixRole::Output};

// The table, built once from kSpecs and golden/'s names and matrices.
class Registry {
 public:
  Registry() {
    for (size_t i = 0; i < kUnitCount; ++i) {
      const Spec& spec = kSpecs[i];
      UnitInfo& u = m_units[i];
      u.step = spec.step;
      u.kind = spec.kind;
      u.timing_fn = spec.timing;
      u.cost_fn = spec.cost;
      u.rtl = spec.rtl;
      if (i < golden::kLayerUnitCount) {
        const auto unit = static_cast<LayerUnit>(i);
        if (u.layer_unit() != unit)
          throw std::logic_error("unit registry: layer units out of order");
        u.name = golden::layer_unit_name(unit);
        u.lora_roles = golden::layer_unit_roles(unit);
        std::array<MatrixRole, model::kLoraRoleCount>& m = m_matrices[i];
        std::transform(u.lora_roles.begin(), u.lora_roles.end(), m.begin(), matrix_role);
        u.matrices = std::span<const MatrixRole>(m.data(), u.lora_roles.size());
      } else {
        const auto unit = static_cast<HeadUnit>(i - golden::kLayerUnitCount);
        if (u.head_unit() != unit) throw std::logic_error("unit registry: head units out of order");
        u.name = golden::head_unit_name(unit);
        if (unit == HeadUnit::Output) u.matrices = kOutputMatrices;
      }
    }
  }
  Registry(const Registry&) = delete;  // entries point into m_matrices
  Registry& operator=(const Registry&) = delete;

  std::span<const UnitInfo> units() const { return m_units; }

 private:
  std::array<UnitInfo, kUnitCount> m_units{};
  std::array<std::array<MatrixRole, model::kLoraRoleCount>, kUnitCount> m_matrices{};
};

const Registry& registry() {
  static const Registry r;
  return r;
}

}  // namespace

std::string_view unit_kind_name(UnitKind kind) {
  switch (kind) {
    case UnitKind::Norm:
      return "norm";
    case UnitKind::Quantize:
      return "quantize";
    case UnitKind::Matvec:
      return "matvec";
    case UnitKind::Rope:
      return "rope";
    case UnitKind::Attention:
      return "attention";
    case UnitKind::Residual:
      return "residual";
    case UnitKind::SiluMul:
      return "silu_mul";
    case UnitKind::Argmax:
      return "argmax";
  }
  throw std::logic_error("unknown unit kind");
}

gguf::GgmlType weight_type(const WeightTypes& t, MatrixRole role) {
  switch (role) {
    case MatrixRole::Q:
      return t.q;
    case MatrixRole::K:
      return t.k;
    case MatrixRole::V:
      return t.v;
    case MatrixRole::O:
      return t.o;
    case MatrixRole::Gate:
      return t.gate;
    case MatrixRole::Up:
      return t.up;
    case MatrixRole::Down:
      return t.down;
    case MatrixRole::Output:
      return t.output;
  }
  throw std::logic_error("unknown matrix role");
}

uint64_t matrix_rows(const model::LlamaShape& shape, MatrixRole role) {
  switch (role) {
    case MatrixRole::Q:
      return uint64_t{shape.n_head} * shape.head_dim();
    case MatrixRole::K:
    case MatrixRole::V:
      return shape.n_embd_kv();
    case MatrixRole::O:
    case MatrixRole::Down:
      return shape.n_embd;
    case MatrixRole::Gate:
    case MatrixRole::Up:
      return shape.n_ff;
    case MatrixRole::Output:
      return shape.n_vocab;
  }
  throw std::logic_error("unknown matrix role");
}

MatrixRole matrix_role(model::LoraRole role) {
  switch (role) {
    case model::LoraRole::AttnQ:
      return MatrixRole::Q;
    case model::LoraRole::AttnK:
      return MatrixRole::K;
    case model::LoraRole::AttnV:
      return MatrixRole::V;
    case model::LoraRole::AttnOutput:
      return MatrixRole::O;
    case model::LoraRole::FfnGate:
      return MatrixRole::Gate;
    case model::LoraRole::FfnUp:
      return MatrixRole::Up;
    case model::LoraRole::FfnDown:
      return MatrixRole::Down;
  }
  throw std::logic_error("unknown LoRA role");
}

std::span<const UnitInfo> units() { return registry().units(); }

std::span<const UnitInfo> layer_units() { return units().first(golden::kLayerUnitCount); }

std::span<const UnitInfo> head_units() { return units().subspan(golden::kLayerUnitCount); }

size_t unit_index(golden::LayerUnit unit) {
  const auto i = static_cast<size_t>(unit);
  const std::span<const UnitInfo> table = layer_units();
  if (i >= table.size() || table[i].layer_unit() != unit) {
    throw std::logic_error(fmt::format("the unit registry has no layer unit {}", i));
  }
  return i;
}

size_t unit_index(golden::HeadUnit unit) {
  const auto i = static_cast<size_t>(unit);
  const std::span<const UnitInfo> table = head_units();
  if (i >= table.size() || table[i].head_unit() != unit) {
    throw std::logic_error(fmt::format("the unit registry has no LM head unit {}", i));
  }
  return i;
}

const UnitInfo& unit_info(golden::LayerUnit unit) { return layer_units()[unit_index(unit)]; }

const UnitInfo& unit_info(golden::HeadUnit unit) { return head_units()[unit_index(unit)]; }

}  // namespace etchsim::arch
