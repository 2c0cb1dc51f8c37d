// Internal to trace/: one row's changes given one by one (VcdWriter::change), as a row source.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "etchsim/trace/row_source.hpp"

namespace etchsim::trace {

class ChangeListSource : public RowSource {
 public:
  // `changes` in strictly rising cycles; it must outlive the source and its cursors.
  ChangeListSource(uint32_t row, std::span<const CycleValue> changes)
      : m_row(row), m_changes(changes) {}
  std::unique_ptr<RowCursor> cursor() const override;
  void sample_cycles(uint64_t every, std::vector<uint64_t>& out) const override;

 private:
  uint32_t m_row;
  std::span<const CycleValue> m_changes;
};

}  // namespace etchsim::trace
