// The micro model (fuzz_support.hpp micro_shape, Q8_0, seed 1) as GGUF bytes in memory: the base
// model of the LoRA harness and the model-loader seed (fuzz/make_seeds.cpp).
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "etchsim/model/synth.hpp"
#include "fuzz_support.hpp"

namespace etchsim::fuzz {

inline std::vector<std::byte> micro_model_bytes() {
  // Per process: fuzzers run side by side (bench/fuzz.sh -jobs, several harnesses).
  const auto path = std::filesystem::temp_directory_path() /
                    ("etchsim-fuzz-micro-" + std::to_string(getpid()) + ".gguf");
  model::synth_model(
      model::SynthOptions{.shape = micro_shape(), .quant = model::QuantScheme::Q8_0, .seed = 1},
      path);
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> chars{std::istreambuf_iterator<char>(in), {}};
  std::vector<std::byte> bytes(chars.size());
  std::memcpy(bytes.data(), chars.data(), chars.size());
  std::filesystem::remove(path);
  return bytes;
}

}  // namespace etchsim::fuzz
