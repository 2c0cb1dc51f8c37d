// A progress line on stderr for long jobs: rewritten in place on a terminal, one line per
// ~10% otherwise (CI logs stay short); nothing when the log level is above info.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace etchsim::cli {

class ProgressLine {
 public:
  explicit ProgressLine(std::string label);
  // Bytes: "label:  42.0%  1.20/2.86 GB  0.50 GB/s  ETA 3 s".
  void update(uint64_t done, uint64_t total);
  // Items: "label: 3/6 done, DETAIL, ETA 3 s" (ETA from the mean time per item so far).
  void update_items(uint64_t done, uint64_t total, const std::string& detail);
  // A share of equal parts: "label:  42.0%  ETA 3 s".
  void update_share(uint64_t done, uint64_t total);
  void finish();

 private:
  void draw(double frac, const std::string& line);

  std::string m_label;
  bool m_tty;
  std::chrono::steady_clock::time_point m_start;
  int m_last_decile = -1;
  bool m_drawn = false;
};

}  // namespace etchsim::cli
