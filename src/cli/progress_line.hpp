// A progress line on stderr for long jobs: rewritten in place on a terminal, one line per
// ~10% otherwise (CI logs stay short).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace etchsim::cli {

class ProgressLine {
 public:
  explicit ProgressLine(std::string label);
  void update(uint64_t done, uint64_t total);
  void finish();

 private:
  std::string m_label;
  bool m_tty;
  std::chrono::steady_clock::time_point m_start;
  int m_last_decile = -1;
  bool m_drawn = false;
};

}  // namespace etchsim::cli
