// Models and configurations for the chip tests: synthesized per test process into a temporary
// directory (each TEST runs in its own process, as SystemC allows one elaboration per process).
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

#include "etchsim/arch/chip_config.hpp"
#include "etchsim/model/synth.hpp"

namespace etchsim::chip::testing {

namespace fs = std::filesystem;

inline const fs::path& temp_dir() {
  static const struct Dir {
    fs::path path = fs::temp_directory_path() / ("etchsim-chip-test-" + std::to_string(::getpid()));
    Dir() { fs::create_directories(path); }
    ~Dir() { fs::remove_all(path); }
  } dir;
  return dir.path;
}

// n_embd 96, 6 heads over 2 KV heads (GQA 3), n_ff 160: no K-quant fits its rows, so synth
// falls back to legacy types (as llama.cpp's quantiser does).
inline model::LlamaShape gqa_shape() {
  model::LlamaShape s = *model::named_shape("tiny");
  s.name = "chip-gqa3";
  s.n_embd = 96;
  s.n_head = 6;
  s.n_head_kv = 2;
  s.n_ff = 160;
  s.n_ctx = 64;
  return s;
}

// n_embd 256 (one Q8_K block), 4 heads over 2 KV heads, n_ff 512: the K-quant paths.
inline model::LlamaShape kquant_shape() {
  model::LlamaShape s = *model::named_shape("tiny");
  s.name = "chip-k256";
  s.n_embd = 256;
  s.n_head = 4;
  s.n_head_kv = 2;
  s.n_ff = 512;
  s.n_ctx = 64;
  return s;
}

inline fs::path synth(const model::LlamaShape& shape, model::QuantScheme quant) {
  const fs::path path =
      temp_dir() / (shape.name + "-" + std::string(model::quant_scheme_name(quant)) + ".gguf");
  if (!fs::exists(path)) {
    model::synth_model(model::SynthOptions{.shape = shape, .quant = quant, .seed = 5}, path);
  }
  return path;
}

inline arch::ChipConfig tiny_config() {
  return arch::load_config(fs::path(ETCHSIM_SOURCE_DIR) / "configs" / "tiny.toml");
}

}  // namespace etchsim::chip::testing
