// Choosing the next token from logits: greedy argmax and seeded sampling (temperature, top-k,
// top-p), deterministic for a given seed on every platform; and the log-softmax of a logits row.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace etchsim::golden {

// The index of the largest logit; the lowest index among equal maxima.
int32_t argmax(std::span<const float> logits);

// log P(v) = l_v - max - log(sum exp(l - max)), computed in double.
std::vector<double> log_softmax(std::span<const float> logits);

struct SamplingParams {
  float temperature = 0.0f;  // <= 0: greedy (argmax), the other fields are ignored
  int32_t top_k = 0;         // keep the k most likely tokens; <= 0: all
  float top_p = 1.0f;        // keep the smallest most-likely prefix with mass >= top_p; 1: all
  uint64_t seed = 0;
};

// Sampling steps, in this order:
//  1. candidates: every token, by logit descending, equal logits by lower id first;
//  2. top-k: the first k candidates;
//  3. p_i = exp((l_i - l_max) / temperature) in double, normalised over the candidates;
//  4. top-p: the shortest prefix whose cumulative p reaches top_p (at least one token);
//  5. u = (next() >> 11) * 2^-53, uniform in [0, 1), from splitmix64 (Steele, Lea, Flood 2014:
//     state += 0x9E3779B97F4A7C15, then the xor-shift-multiply finaliser) seeded with `seed`;
//     the token is the first candidate whose cumulative p exceeds u * (sum of kept p).
// One draw per call (none when greedy), so a seed fixes the whole sequence.
class Sampler {
 public:
  explicit Sampler(const SamplingParams& params);

  // Throws std::invalid_argument for empty logits or top_p outside (0, 1].
  int32_t sample(std::span<const float> logits);

 private:
  uint64_t next();

  SamplingParams m_params;
  uint64_t m_state;
};

}  // namespace etchsim::golden
