// The sampling options `etchsim golden` and `etchsim run` share: --temp, --top-k, --top-p, --seed.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "etchsim/golden/sampling.hpp"

namespace etchsim::cli {

// Registers the four options on `app`, writing into `params`; `seed_help` says how the command
// uses the seed.
void add_sampling_options(CLI::App& app, golden::SamplingParams& params,
                          const std::string& seed_help);

}  // namespace etchsim::cli
