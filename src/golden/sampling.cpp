// Greedy and seeded sampling, log-softmax (sampling.hpp).
#include "etchsim/golden/sampling.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace etchsim::golden {

int32_t argmax(std::span<const float> logits) {
  if (logits.empty()) throw std::invalid_argument("argmax of an empty logits row");
  // max_element returns the first of equal maxima.
  return static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

std::vector<double> log_softmax(std::span<const float> logits) {
  const double mx = logits[static_cast<size_t>(argmax(logits))];
  double sum = 0.0;
  for (const float l : logits) sum += std::exp(static_cast<double>(l) - mx);
  const double log_sum = std::log(sum);
  std::vector<double> out(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) out[i] = static_cast<double>(logits[i]) - mx - log_sum;
  return out;
}

Sampler::Sampler(const SamplingParams& params) : m_params(params), m_state(params.seed) {
  if (!(params.top_p > 0.0f && params.top_p <= 1.0f)) {
    throw std::invalid_argument(fmt::format("top-p {} is outside (0, 1]", params.top_p));
  }
}

uint64_t Sampler::next() {
  m_state += 0x9E3779B97F4A7C15ull;
  uint64_t z = m_state;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

int32_t Sampler::sample(std::span<const float> logits) {
  if (m_params.temperature <= 0.0f) return argmax(logits);
  if (logits.empty()) throw std::invalid_argument("sampling from an empty logits row");

  std::vector<int32_t> ids(logits.size());
  std::iota(ids.begin(), ids.end(), 0);
  const auto by_logit = [&](int32_t a, int32_t b) {
    const float la = logits[static_cast<size_t>(a)], lb = logits[static_cast<size_t>(b)];
    return la > lb || (la == lb && a < b);
  };
  size_t keep = ids.size();
  if (m_params.top_k > 0) keep = std::min(keep, static_cast<size_t>(m_params.top_k));
  std::partial_sort(ids.begin(), ids.begin() + static_cast<ptrdiff_t>(keep), ids.end(), by_logit);
  ids.resize(keep);

  const double mx = logits[static_cast<size_t>(ids.front())];
  std::vector<double> p(keep);
  double total = 0.0;
  for (size_t i = 0; i < keep; ++i) {
    p[i] = std::exp((static_cast<double>(logits[static_cast<size_t>(ids[i])]) - mx) /
                    static_cast<double>(m_params.temperature));
    total += p[i];
  }
  if (m_params.top_p < 1.0f) {
    const double target = static_cast<double>(m_params.top_p) * total;
    double mass = 0.0;
    size_t n = 0;
    while (n < keep && mass < target) mass += p[n++];
    keep = std::max<size_t>(n, 1);
    total = std::accumulate(p.begin(), p.begin() + static_cast<ptrdiff_t>(keep), 0.0);
  }

  const double u = static_cast<double>(next() >> 11) * 0x1p-53 * total;
  double cumulative = 0.0;
  for (size_t i = 0; i < keep; ++i) {
    cumulative += p[i];
    if (cumulative > u) return ids[i];
  }
  return ids[keep - 1];  // rounding: u * total at the very top of the range
}

}  // namespace etchsim::golden
