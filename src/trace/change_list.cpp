#include "change_list.hpp"

#include <algorithm>

namespace etchsim::trace {
namespace {

class ChangeListCursor final : public RowCursor {
 public:
  ChangeListCursor(uint32_t row, std::span<const CycleValue> changes)
      : m_row(row), m_changes(changes) {}
  void seek(uint64_t cycle, RowValues& values) override {
    m_next = static_cast<size_t>(
        std::upper_bound(m_changes.begin(), m_changes.end(), cycle,
                         [](uint64_t c, const CycleValue& v) { return c < v.cycle; }) -
        m_changes.begin());
    if (m_next > 0) values.set(m_row, m_changes[m_next - 1].value);
  }
  uint64_t next_cycle() const override {
    return m_next < m_changes.size() ? m_changes[m_next].cycle : kNoCycle;
  }
  uint64_t step(RowValues& values) override {
    values.set(m_row, m_changes[m_next++].value);
    return next_cycle();
  }
  void run_until(uint64_t to, RowValues& values) override { run_steps(*this, to, values); }

 private:
  uint32_t m_row;
  std::span<const CycleValue> m_changes;
  size_t m_next = 0;
};

}  // namespace

std::unique_ptr<RowCursor> ChangeListSource::cursor() const {
  return std::make_unique<ChangeListCursor>(m_row, m_changes);
}

void ChangeListSource::sample_cycles(uint64_t every, std::vector<uint64_t>& out) const {
  for (size_t i = 0; i < m_changes.size(); i += every) out.push_back(m_changes[i].cycle);
}

}  // namespace etchsim::trace
