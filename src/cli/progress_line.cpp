#include "progress_line.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>

namespace etchsim::cli {

ProgressLine::ProgressLine(std::string label)
    : m_label(std::move(label)),
      m_tty(isatty(STDERR_FILENO) != 0),
      m_start(std::chrono::steady_clock::now()) {}

void ProgressLine::update(uint64_t done, uint64_t total) {
  if (total == 0) return;
  const double frac = static_cast<double>(done) / static_cast<double>(total);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
  const double rate = secs > 0 ? static_cast<double>(done) / secs : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total - done) / rate : 0.0;
  const std::string line = fmt::format("{}: {:5.1f}%  {:.2f}/{:.2f} GB  {:.2f} GB/s  ETA {:.0f} s",
                                       m_label, 100.0 * frac, static_cast<double>(done) / 1e9,
                                       static_cast<double>(total) / 1e9, rate / 1e9, eta);
  draw(frac, line);
}

void ProgressLine::update_items(uint64_t done, uint64_t total, const std::string& detail) {
  if (total == 0) return;
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
  const std::string eta = done == 0 ? std::string("?")
                                    : fmt::format("{:.0f}", secs / static_cast<double>(done) *
                                                                static_cast<double>(total - done));
  draw(static_cast<double>(done) / static_cast<double>(total),
       fmt::format("{}: {}/{} done, {}, ETA {} s", m_label, done, total, detail, eta));
}

void ProgressLine::update_share(uint64_t done, uint64_t total) {
  if (total == 0) return;
  const double frac = static_cast<double>(done) / static_cast<double>(total);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
  // Under 5% done the rate says little yet.
  const std::string eta =
      frac < 0.05 ? std::string("?") : fmt::format("{:.0f}", secs / frac * (1.0 - frac));
  draw(frac, fmt::format("{}: {:5.1f}%  ETA {} s", m_label, 100.0 * frac, eta));
}

void ProgressLine::draw(double frac, const std::string& line) {
  // Drawn at the info level: `--log-level warn` and above leave stderr to warnings and errors.
  if (!spdlog::should_log(spdlog::level::info)) return;
  if (m_tty) {
    std::fprintf(stderr, "\r%s\033[K", line.c_str());
    m_drawn = true;
  } else {
    const int decile = static_cast<int>(frac * 10.0);
    if (decile != m_last_decile) {
      m_last_decile = decile;
      std::fprintf(stderr, "%s\n", line.c_str());
    }
  }
}

void ProgressLine::finish() {
  if (m_tty && m_drawn) std::fprintf(stderr, "\n");
  m_drawn = false;
}

}  // namespace etchsim::cli
