#include "etchsim/arch/weight_types.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace etchsim::arch {

ModelWeightTypes::ModelWeightTypes(std::vector<WeightTypes> layers) : m_layers(std::move(layers)) {
  if (m_layers.empty()) throw std::invalid_argument("weight types: no layers");
  const auto differs = [this](const WeightTypes& t) { return !(t == m_layers.front()); };
  for (const WeightTypes& t : m_layers) {
    if (t.output != m_layers.front().output) {
      throw std::invalid_argument("weight types: the output matrix has one type for the model");
    }
  }
  if (std::none_of(m_layers.begin(), m_layers.end(), differs)) m_layers.resize(1);
}

const WeightTypes& ModelWeightTypes::layer(uint32_t i) const {
  if (uniform()) return m_layers.front();
  if (i >= m_layers.size()) {
    throw std::out_of_range(
        fmt::format("weight types: layer {} of a model with {} layers", i, m_layers.size()));
  }
  return m_layers[i];
}

void ModelWeightTypes::check_layer_count(uint32_t n_layer) const {
  if (!uniform() && m_layers.size() != n_layer) {
    throw std::invalid_argument(fmt::format(
        "weight types for {} layers given to a model with {} layers", m_layers.size(), n_layer));
  }
}

}  // namespace etchsim::arch
