// The weight types a chip hard-wires: per matrix role of one layer (WeightTypes) and per layer of
// the whole model (ModelWeightTypes). Each layer of a hard-wired chip is its own silicon, so a
// llama-quantize mixture (Q4_K_M raises attn_v and ffn_down to Q6_K in some layers only) gives
// each layer stage the cells, trees, timing, energy and area of its own types.
#pragma once

#include <cstdint>
#include <vector>

#include "etchsim/gguf/ggml_type.hpp"

namespace etchsim::arch {

// Weight type of each matrix role of one layer, and of the LM head's output matrix.
struct WeightTypes {
  gguf::GgmlType q, k, v, o, gate, up, down, output;
  static WeightTypes uniform(gguf::GgmlType type) {
    return {type, type, type, type, type, type, type, type};
  }
  bool operator==(const WeightTypes&) const = default;
};

// The types of every layer. Stored as one entry when every layer is alike (the common case, and
// the only one for a model without a file), so `layer(i)` holds for any layer count then.
class ModelWeightTypes {
 public:
  // Every layer alike (implicit: a WeightTypes is a model whose layers are all the same).
  ModelWeightTypes(const WeightTypes& every_layer) : m_layers{every_layer} {}  // NOLINT
  // One entry per layer, in layer order; collapses to one entry when all are equal. Throws
  // std::invalid_argument when empty or when the entries disagree on the output matrix's type.
  explicit ModelWeightTypes(std::vector<WeightTypes> layers);

  bool uniform() const { return m_layers.size() == 1; }
  // Layer i's types; std::out_of_range for a per-layer model with fewer layers.
  const WeightTypes& layer(uint32_t i) const;
  // The LM head reads `output` (the same in every entry).
  const WeightTypes& head() const { return m_layers.front(); }
  // Throws std::invalid_argument unless the types cover n_layer layers.
  void check_layer_count(uint32_t n_layer) const;
  bool operator==(const ModelWeightTypes&) const = default;

 private:
  std::vector<WeightTypes> m_layers;
};

}  // namespace etchsim::arch
