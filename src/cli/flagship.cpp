// The flagship defaults shared by `etchsim run` and `etchsim compare`.
#include "flagship.hpp"

#include <cstdio>
#include <string_view>
#include <vector>

#include "etchsim/embedded_configs.hpp"

namespace etchsim::cli {

arch::ChipConfig resolve_chip_config(const std::optional<std::string>& path,
                                     const std::vector<std::string>& sets) {
  arch::ChipConfig config =
      path ? arch::load_config(*path) : arch::parse_config(kHc1Toml, "configs/hc1.toml");
  for (const std::string& assignment : sets) arch::apply_override(config, assignment);
  return config;
}

arch::ModelWeightTypes scheme_weight_types(const model::LlamaShape& shape,
                                           model::QuantScheme scheme) {
  // The types synth would write, so a timing run without a file matches one with it.
  std::vector<arch::WeightTypes> layers(shape.n_layer,
                                        arch::WeightTypes::uniform(gguf::GgmlType::F32));
  gguf::GgmlType output = gguf::GgmlType::F32;
  for (const model::TensorPlan& t : model::plan_tensors({.shape = shape, .quant = scheme})) {
    const std::string& n = t.name;
    if (n == "output.weight") output = t.type;
    uint32_t layer = 0;
    int consumed = 0;
    if (std::sscanf(n.c_str(), "blk.%u.%n", &layer, &consumed) != 1 || consumed == 0) continue;
    arch::WeightTypes& types = layers.at(layer);
    const std::string_view role = std::string_view(n).substr(static_cast<size_t>(consumed));
    if (role == "attn_q.weight") types.q = t.type;
    if (role == "attn_k.weight") types.k = t.type;
    if (role == "attn_v.weight") types.v = t.type;
    if (role == "attn_output.weight") types.o = t.type;
    if (role == "ffn_gate.weight") types.gate = t.type;
    if (role == "ffn_up.weight") types.up = t.type;
    if (role == "ffn_down.weight") types.down = t.type;
  }
  for (arch::WeightTypes& types : layers) types.output = output;
  return arch::ModelWeightTypes(std::move(layers));
}

}  // namespace etchsim::cli
