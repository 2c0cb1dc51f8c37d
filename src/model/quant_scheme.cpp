// Weight schemes and llama-quantize's per-tensor type rules (quant_scheme.hpp).
#include "etchsim/model/quant_scheme.hpp"

#include <array>
#include <stdexcept>
#include <string>
#include <utility>

#include "etchsim/gguf/ascii_case.hpp"

namespace etchsim::model {
namespace {

using gguf::GgmlType;

struct SchemeRow {
  QuantScheme scheme;
  std::string_view name;
  uint32_t file_type;  // llama_ftype
};

// file_type: q4_k and q3_k use the _M ids of the nearest llama.cpp presets; mix36 is closest to
// MOSTLY_Q3_K_M (Q3_K with attn_v, ffn_down and output raised).
constexpr std::array kSchemes{
    SchemeRow{QuantScheme::F32, "f32", 0},        SchemeRow{QuantScheme::F16, "f16", 1},
    SchemeRow{QuantScheme::Q8_0, "q8_0", 7},      SchemeRow{QuantScheme::Q4_0, "q4_0", 2},
    SchemeRow{QuantScheme::Q4_K, "q4_k", 15},     SchemeRow{QuantScheme::Q3_K, "q3_k", 12},
    SchemeRow{QuantScheme::Q6_K, "q6_k", 18},     SchemeRow{QuantScheme::Mix36, "mix36", 12},
    SchemeRow{QuantScheme::Q3_K_S, "q3_k_s", 11}, SchemeRow{QuantScheme::Q3_K_M, "q3_k_m", 12},
    SchemeRow{QuantScheme::Q3_K_L, "q3_k_l", 13}, SchemeRow{QuantScheme::Q4_K_S, "q4_k_s", 14},
    SchemeRow{QuantScheme::Q4_K_M, "q4_k_m", 15}, SchemeRow{QuantScheme::Q5_K_S, "q5_k_s", 16},
    SchemeRow{QuantScheme::Q5_K_M, "q5_k_m", 17},
};

const SchemeRow& row_of(QuantScheme scheme) {
  for (const SchemeRow& r : kSchemes) {
    if (r.scheme == scheme) return r;
  }
  return kSchemes.front();
}

// llama-quant.cpp's use_more_bits: the first and last eighth of the layers and every third
// layer between them.
bool use_more_bits(int64_t i, int64_t n) {
  return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

GgmlType single_type(QuantScheme scheme, bool wide) {
  switch (scheme) {
    case QuantScheme::F32:
      return GgmlType::F32;
    case QuantScheme::F16:
      return GgmlType::F16;
    case QuantScheme::Q8_0:
      return GgmlType::Q8_0;
    case QuantScheme::Q4_0:
      return GgmlType::Q4_0;
    case QuantScheme::Q4_K:
      return GgmlType::Q4_K;
    case QuantScheme::Q3_K:
      return GgmlType::Q3_K;
    case QuantScheme::Q6_K:
      return GgmlType::Q6_K;
    case QuantScheme::Mix36:
      return wide ? GgmlType::Q6_K : GgmlType::Q3_K;
    default:
      throw std::invalid_argument(std::string(quant_scheme_name(scheme)) +
                                  " is a per-layer mixture, not one of etchsim's own schemes");
  }
}

// llama_tensor_get_type_impl for LLM_ARCH_LLAMA, one expert, no importance matrix. attn_v and
// ffn_down count their layer (i_attention_wv, i_ffn_down): in a Llama file that is the layer.
GgmlType mixture_type(QuantScheme s, WeightRole role, int64_t i, const LlamaShape& shape) {
  using enum QuantScheme;
  const GgmlType base = s == Q3_K_S || s == Q3_K_M || s == Q3_K_L ? GgmlType::Q3_K
                        : s == Q4_K_S || s == Q4_K_M              ? GgmlType::Q4_K
                                                                  : GgmlType::Q5_K;
  const int64_t n = shape.n_layer;
  switch (role) {
    case WeightRole::Output:
      // A row length the default type's blocks do not divide gets Q8_0, others Q6_K.
      return shape.n_embd % gguf::traits(base).block_elems != 0 ? GgmlType::Q8_0 : GgmlType::Q6_K;
    case WeightRole::V: {
      GgmlType t = base;
      if (s == Q3_K_M) t = i < 2 ? GgmlType::Q5_K : GgmlType::Q4_K;
      if (s == Q3_K_L) t = GgmlType::Q5_K;
      if ((s == Q4_K_M || s == Q5_K_M) && use_more_bits(i, n)) t = GgmlType::Q6_K;
      if (s == Q4_K_S && i < 4) t = GgmlType::Q5_K;
      // llama.cpp's LLM_TYPE_70B (80 layers, grouped-query attention): attn_v is 8x smaller.
      const bool is_70b = shape.n_layer == 80 && shape.n_head != shape.n_head_kv;
      if (is_70b && (t == GgmlType::Q3_K || t == GgmlType::Q4_K)) t = GgmlType::Q5_K;
      return t;
    }
    case WeightRole::Down:
      if (s == Q3_K_M) return i < n / 16 ? GgmlType::Q5_K : GgmlType::Q4_K;
      if (s == Q3_K_L) return GgmlType::Q5_K;
      if ((s == Q4_K_M || s == Q5_K_M) && use_more_bits(i, n)) return GgmlType::Q6_K;
      if (s == Q4_K_S && i < n / 8) return GgmlType::Q5_K;
      return base;
    case WeightRole::O:
      if (s == Q3_K_M) return GgmlType::Q4_K;
      if (s == Q3_K_L) return GgmlType::Q5_K;
      return base;
    default:
      return base;  // token_embd, attn_q, attn_k, ffn_gate, ffn_up
  }
}

bool divides(GgmlType type, int64_t ne0) { return ne0 % gguf::traits(type).block_elems == 0; }

}  // namespace

std::optional<QuantScheme> quant_scheme_from_name(std::string_view name) {
  for (const SchemeRow& r : kSchemes) {
    if (gguf::equals_ignoring_ascii_case(name, r.name)) return r.scheme;
  }
  return std::nullopt;
}

std::string_view quant_scheme_name(QuantScheme scheme) {
  for (const SchemeRow& r : kSchemes) {
    if (r.scheme == scheme) return r.name;
  }
  return "unknown";
}

std::vector<std::string> quant_scheme_names() {
  std::vector<std::string> names;
  for (const SchemeRow& r : kSchemes) names.emplace_back(r.name);
  return names;
}

uint32_t quant_scheme_file_type(QuantScheme scheme) { return row_of(scheme).file_type; }

bool is_llama_mixture(QuantScheme s) {
  using enum QuantScheme;
  return s == Q3_K_S || s == Q3_K_M || s == Q3_K_L || s == Q4_K_S || s == Q4_K_M || s == Q5_K_S ||
         s == Q5_K_M;
}

GgmlType scheme_weight_type(QuantScheme scheme, bool wide) { return single_type(scheme, wide); }

GgmlType scheme_tensor_type(QuantScheme scheme, WeightRole role, uint32_t layer,
                            const LlamaShape& shape) {
  if (is_llama_mixture(scheme)) return mixture_type(scheme, role, layer, shape);
  return single_type(scheme,
                     role == WeightRole::V || role == WeightRole::Down || role == WeightRole::Output);
}

GgmlType matrix_type_for_rows(GgmlType type, int64_t ne0) {
  if (divides(type, ne0)) return type;
  GgmlType fallback = GgmlType::F16;
  switch (type) {
    case GgmlType::Q2_K:
    case GgmlType::Q3_K:
      fallback = GgmlType::Q4_0;
      break;
    case GgmlType::Q4_K:
      fallback = GgmlType::Q5_0;
      break;
    case GgmlType::Q5_K:
      fallback = GgmlType::Q5_1;
      break;
    case GgmlType::Q6_K:
      fallback = GgmlType::Q8_0;
      break;
    default:
      break;
  }
  return divides(fallback, ne0) ? fallback : GgmlType::F16;
}

}  // namespace etchsim::model
