// The flagship defaults shared by `etchsim run` and `etchsim compare`.
#include "flagship.hpp"

#include <string_view>

#include "etchsim/embedded_configs.hpp"

namespace etchsim::cli {

arch::ChipConfig resolve_chip_config(const std::optional<std::string>& path,
                                     const std::vector<std::string>& sets) {
  arch::ChipConfig config =
      path ? arch::load_config(*path) : arch::parse_config(kHc1Toml, "configs/hc1.toml");
  for (const std::string& assignment : sets) arch::apply_override(config, assignment);
  return config;
}

arch::WeightTypes scheme_weight_types(const model::LlamaShape& shape, model::QuantScheme scheme) {
  arch::WeightTypes types = arch::WeightTypes::uniform(gguf::GgmlType::F32);
  for (const model::TensorPlan& t : model::plan_tensors({.shape = shape, .quant = scheme})) {
    const std::string& n = t.name;
    auto ends = [&n](std::string_view suffix) { return n.ends_with(suffix); };
    if (ends("attn_q.weight")) types.q = t.type;
    if (ends("attn_k.weight")) types.k = t.type;
    if (ends("attn_v.weight")) types.v = t.type;
    if (ends("attn_output.weight")) types.o = t.type;
    if (ends("ffn_gate.weight")) types.gate = t.type;
    if (ends("ffn_up.weight")) types.up = t.type;
    if (ends("ffn_down.weight")) types.down = t.type;
    if (n == "output.weight") types.output = t.type;
  }
  return types;
}

}  // namespace etchsim::cli
