// Models and configurations for the chip tests: synthesized per test process into a temporary
// directory (each TEST runs in its own process, as SystemC allows one elaboration per process).
#pragma once

#include <filesystem>
#include <string>

#include "../support/test_models.hpp"
#include "etchsim/arch/chip_config.hpp"
#include "etchsim/model/synth.hpp"

namespace etchsim::chip::testing {

namespace fs = std::filesystem;

using test_support::temp_dir;

inline model::LlamaShape gqa_shape() { return test_support::gqa3_shape("chip-gqa3"); }

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
  return test_support::synth_once(shape, quant, 5);
}

inline arch::ChipConfig tiny_config() {
  return arch::load_config(fs::path(ETCHSIM_SOURCE_DIR) / "configs" / "tiny.toml");
}

}  // namespace etchsim::chip::testing
