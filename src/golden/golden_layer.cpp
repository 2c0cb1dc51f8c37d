// One transformer layer of the golden model: every LayerDatapath unit in order
// (layer_datapath.hpp; docs/formats.md §5.3 items 2-10).
#include "etchsim/golden/golden_model.hpp"

namespace etchsim::golden {

void GoldenModel::layer(size_t index) {
  for (size_t u = 0; u < kLayerUnitCount; ++u) {
    m_datapath.run(static_cast<LayerUnit>(u), index, m_state, m_kv[index]);
  }
}

}  // namespace etchsim::golden
