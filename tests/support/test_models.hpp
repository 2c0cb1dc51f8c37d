// What the golden and chip tests share: a per-process temporary directory (removed at exit;
// ctest runs every TEST in its own process) and models synthesized into it on first use.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "etchsim/model/synth.hpp"

namespace etchsim::test_support {

namespace fs = std::filesystem;

inline const fs::path& temp_dir() {
  static const struct Dir {
    fs::path path = fs::temp_directory_path() / ("etchsim-test-" + std::to_string(::getpid()));
    Dir() { fs::create_directories(path); }
    ~Dir() { fs::remove_all(path); }
  } dir;
  return dir.path;
}

// tiny with GQA 3 and a non-power-of-two width: n_embd 96, 6 heads, 2 KV heads, ff 160, ctx 64
// (no K-quant fits its rows, so synth falls back to legacy types, as llama.cpp's quantiser does).
inline model::LlamaShape gqa3_shape(std::string name) {
  model::LlamaShape s = *model::named_shape("tiny");
  s.name = std::move(name);
  s.n_embd = 96;
  s.n_head = 6;
  s.n_head_kv = 2;
  s.n_ff = 160;
  s.n_ctx = 64;
  return s;
}

// The model of `shape` and `quant` synthesized with `seed` into temp_dir(), written on first use
// (the file is named after the shape and the scheme).
inline fs::path synth_once(const model::LlamaShape& shape, model::QuantScheme quant,
                           uint64_t seed) {
  const fs::path path =
      temp_dir() / (shape.name + "-" + std::string(model::quant_scheme_name(quant)) + ".gguf");
  if (!fs::exists(path)) {
    model::synth_model(model::SynthOptions{.shape = shape, .quant = quant, .seed = seed}, path);
  }
  return path;
}

}  // namespace etchsim::test_support
