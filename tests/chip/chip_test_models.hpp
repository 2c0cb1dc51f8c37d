// Models, configurations and golden/ references for the chip tests: synthesized per test process
// into a temporary directory (each TEST runs in its own process, as SystemC allows one elaboration
// per process).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "../support/test_models.hpp"
#include "etchsim/arch/chip_config.hpp"
#include "etchsim/golden/golden_model.hpp"
#include "etchsim/golden/sampling.hpp"
#include "etchsim/model/lora_adapter.hpp"
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

// What golden/ computes for one request: the logits after each prompt token and each fed-back
// token, and the generated tokens (with `adapter`, if any, at `lora_scale`).
struct GoldenRun {
  std::vector<std::vector<float>> logits;
  std::vector<int32_t> generated;
};
inline GoldenRun golden_run(const gguf::GgufFile& file, const std::vector<int32_t>& prompt,
                            uint32_t n_generate, const golden::SamplingParams& sampling,
                            const model::LoraAdapter* adapter = nullptr, float lora_scale = 1.0f) {
  golden::GoldenModel model(
      file, golden::GoldenOptions{.kv_type = numerics::KvType::F16,
                                  .n_ctx = static_cast<int>(prompt.size() + n_generate),
                                  .lora = adapter,
                                  .lora_scale = lora_scale});
  golden::Sampler sampler(sampling);
  GoldenRun g;
  for (const int32_t t : prompt) g.logits.push_back(model.evaluate(t));
  while (g.generated.size() < n_generate) {
    if (!g.generated.empty()) g.logits.push_back(model.evaluate(g.generated.back()));
    g.generated.push_back(sampler.sample(g.logits.back()));
  }
  return g;
}

inline arch::ChipConfig tiny_config() {
  return arch::load_config(fs::path(ETCHSIM_SOURCE_DIR) / "configs" / "tiny.toml");
}

}  // namespace etchsim::chip::testing
