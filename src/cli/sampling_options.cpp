#include "sampling_options.hpp"

#include "number_checks.hpp"

namespace etchsim::cli {

void add_sampling_options(CLI::App& app, golden::SamplingParams& params,
                          const std::string& seed_help) {
  app.add_option("--temp", params.temperature, "Sampling temperature; 0 = greedy")
      ->check(non_negative_number())
      ->capture_default_str();
  app.add_option("--top-k", params.top_k, "Keep the K most likely tokens; 0 = all")
      ->check(non_negative_number())
      ->capture_default_str();
  app.add_option("--top-p", params.top_p, "Nucleus sampling mass, in (0, 1]")
      ->check(CLI::Range(0.0f, 1.0f))
      ->capture_default_str();
  app.add_option("--seed", params.seed, seed_help)->capture_default_str();
}

}  // namespace etchsim::cli
