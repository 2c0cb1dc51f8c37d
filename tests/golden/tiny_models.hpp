// Small synthesized models for the golden tests, written once per test binary into a temporary
// directory (removed at exit).
#pragma once

#include <filesystem>
#include <string>

#include "../support/test_models.hpp"
#include "etchsim/model/synth.hpp"

namespace etchsim::golden::testing {

namespace fs = std::filesystem;

using test_support::temp_dir;

// tiny with GQA 3 and a non-power-of-two width (test_support::gqa3_shape).
inline model::LlamaShape test_shape() { return test_support::gqa3_shape("golden-test"); }

// The synthesized model of a scheme, written on first use.
inline fs::path synth_file(model::QuantScheme quant,
                           const model::LlamaShape& shape = test_shape()) {
  return test_support::synth_once(shape, quant, 11);
}

using test_support::KeyEdit;
using test_support::rewrite_file;
using test_support::TensorEdit;

}  // namespace etchsim::golden::testing
