// LoRA on the chip: adapters streamed through the TLM LoRA window into the
// LoRA SRAM, sequences bound to them, and the chip's logits and tokens bit for bit golden/'s
// with the same adapter; the LoRA path's cycles; adapters that do not fit or do not match.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <stdexcept>

#include "chip_test_models.hpp"
#include "etchsim/arch/lora_timing.hpp"
#include "etchsim/arch/pipeline_timing.hpp"
#include "etchsim/arch/unit_registry.hpp"
#include "etchsim/chip/lora_sram.hpp"
#include "etchsim/gguf/reader.hpp"
#include "etchsim/golden/golden_model.hpp"
#include "etchsim/golden/sampling.hpp"
#include "etchsim/model/lora_synth.hpp"
#include "etchsim/protocol/address_map.hpp"
#include "etchsim/sim/run.hpp"

namespace etchsim::chip {
namespace {

using model::LoraRole;
using testing::synth;
namespace fs = std::filesystem;

// A chip with room for a few small adapters: 256 KiB per layer of the test shapes.
arch::ChipConfig lora_config() {
  arch::ChipConfig c = testing::tiny_config();
  c.lora_sram.capacity_mib = 0.5;
  c.lora_sram.banks = 2;
  c.lora_sram.word_bits = 128;
  c.datapath.lora_lanes = 16;
  return c;
}

fs::path synth_adapter(const fs::path& base_path, const std::string& name,
                       const model::LoraSynthOptions& options) {
  const fs::path path = testing::temp_dir() / (name + ".gguf");
  const gguf::GgufFile file = gguf::GgufFile::open(base_path);
  const model::LlamaModel base(file);
  model::synth_lora(base.shape(), options, path);
  return path;
}

std::vector<int32_t> prompt(size_t n, int32_t first) {
  std::vector<int32_t> p;
  for (size_t i = 0; i < n; ++i) p.push_back(static_cast<int32_t>((first + 29 * i) % 500));
  return p;
}

// golden/ for one request with its adapter (none when r.adapter is empty).
testing::GoldenRun golden_with_adapter(const gguf::GgufFile& file, const sim::UserRequest& r,
                                       float lora_scale, const golden::SamplingParams& sampling) {
  if (r.adapter.empty()) return testing::golden_run(file, r.prompt, r.n_generate, sampling);
  const gguf::GgufFile adapter_file = gguf::GgufFile::open(r.adapter);
  const model::LlamaModel base(file);
  const model::LoraAdapter adapter(adapter_file, base);
  return testing::golden_run(file, r.prompt, r.n_generate, sampling, &adapter, lora_scale);
}

// Four users: two share adapter A (every target, f32), one has adapter B (q and v, f16, another
// rank), one has none; all in flight together.
void expect_lora_chip_equals_golden(const model::LlamaShape& shape, model::QuantScheme scheme,
                                    float lora_scale, golden::SamplingParams sampling = {}) {
  const fs::path path = synth(shape, scheme);
  const std::string tag = shape.name + "-" + std::string(model::quant_scheme_name(scheme));
  const fs::path a = synth_adapter(
      path, tag + "-a",
      {.rank = 4,
       .targets = {LoraRole::AttnQ, LoraRole::AttnK, LoraRole::AttnV, LoraRole::AttnOutput,
                   LoraRole::FfnGate, LoraRole::FfnUp, LoraRole::FfnDown},
       .alpha = 8.0f,
       .type = gguf::GgmlType::F32,
       .seed = 11,
       .b_range = 0.2f});
  const fs::path b = synth_adapter(path, tag + "-b",
                                   {.rank = 8,
                                    .targets = {LoraRole::AttnQ, LoraRole::AttnV},
                                    .alpha = 0.0f,
                                    .type = gguf::GgmlType::F16,
                                    .seed = 12,
                                    .b_range = 0.2f});
  const gguf::GgufFile file = gguf::GgufFile::open(path);
  sim::RunOptions o;
  o.model_name = path.string();
  o.shape = shape;
  o.config = lora_config();
  o.mode = sim::Mode::Functional;
  o.users = {{prompt(5, 1), 6, 0, a.string()},
             {prompt(3, 7), 5, 0, b.string()},
             {prompt(4, 13), 4, 0, ""},
             {prompt(2, 21), 6, 0, a.string()}};
  o.sampling = sampling;
  o.lora_scale = lora_scale;
  o.keep_logits = true;
  const sim::RunResult result = sim::run(o, &file);
  ASSERT_EQ(result.adapters.size(), 2u);
  EXPECT_EQ(result.adapters[0].requests, 2u);
  EXPECT_EQ(result.adapters[1].requests, 1u);
  EXPECT_GT(result.lora_peak_bytes, 0u);
  EXPECT_GT(result.energy_j.lora, 0.0);
  for (size_t u = 0; u < o.users.size(); ++u) {
    golden::SamplingParams user_sampling = sampling;
    user_sampling.seed += u;
    const testing::GoldenRun g = golden_with_adapter(file, o.users[u], lora_scale, user_sampling);
    const sim::UserResult& chip = result.users[u];
    EXPECT_EQ(chip.tokens, g.generated) << "user " << u;
    ASSERT_EQ(chip.logits.size(), g.logits.size()) << "user " << u;
    for (size_t i = 0; i < g.logits.size(); ++i) {
      EXPECT_EQ(std::memcmp(chip.logits[i].data(), g.logits[i].data(),
                            g.logits[i].size() * sizeof(float)),
                0)
          << "user " << u << ", logits row " << i << " differ from golden's";
    }
  }
  // The adapters change the model: the plain user's logits differ from an adapted run of its
  // prompt (a LoRA path that did nothing would pass the comparison above too).
  sim::UserRequest adapted = o.users[2];
  adapted.adapter = a.string();
  EXPECT_NE(golden_with_adapter(file, adapted, lora_scale, {}).logits, result.users[2].logits);
}

TEST(ChipLora, BitExactGqaQ8_0) {
  expect_lora_chip_equals_golden(testing::gqa_shape(), model::QuantScheme::Q8_0, 1.0f);
}
TEST(ChipLora, BitExactGqaQ4_0HalfScale) {
  expect_lora_chip_equals_golden(testing::gqa_shape(), model::QuantScheme::Q4_0, 0.5f);
}
TEST(ChipLora, BitExactKquantQ4_K) {
  expect_lora_chip_equals_golden(testing::kquant_shape(), model::QuantScheme::Q4_K, 1.0f);
}
TEST(ChipLora, BitExactKquantF16SeededSampling) {
  expect_lora_chip_equals_golden(
      testing::kquant_shape(), model::QuantScheme::F16, 1.0f,
      golden::SamplingParams{.temperature = 0.8f, .top_k = 40, .top_p = 0.95f, .seed = 99});
}

// One user decoding alone: every generated token passes the chip by itself, so an adapter adds
// exactly the extra latency of every adapted matvec unit to each; the adapter's load (its image
// in bursts over the host link) comes before the request is admitted.
TEST(ChipLora, AdapterAddsTheLoraPathLatencyToEveryToken) {
  const model::LlamaShape shape = testing::gqa_shape();
  const fs::path path = synth(shape, model::QuantScheme::Q8_0);
  const fs::path a = synth_adapter(
      path, "latency",
      {.rank = 8,
       .targets = {LoraRole::AttnQ, LoraRole::AttnV, LoraRole::FfnGate, LoraRole::FfnDown},
       .type = gguf::GgmlType::F16,
       .seed = 3});
  sim::RunOptions o;
  o.shape = shape;
  o.config = lora_config();
  o.config.datapath.lora_lanes = 4;  // slow enough that the LoRA path sets the latency
  o.mode = sim::Mode::Timing;
  o.weight_types = arch::WeightTypes::uniform(gguf::GgmlType::Q8_0);
  const uint32_t prompt_len = 3, generated = 5;
  o.users = {{prompt(prompt_len, 3), generated, 0, a.string()}};
  const sim::RunResult r = sim::run(o, nullptr);

  // The expected extra cycles per token, from the adapter's matrices and arch/'s formulas.
  const gguf::GgufFile adapter_file = gguf::GgufFile::open(a);
  const model::LoraAdapter adapter(adapter_file, shape);
  const arch::StageTiming layer = arch::layer_timing(o.config, shape, o.weight_types.layer(0), 1,
                                                     o.config.weight_cells.allow_f16_weights);
  uint64_t delta = 0;
  for (uint32_t l = 0; l < shape.n_layer; ++l) {
    for (size_t u = 0; u < arch::layer_units().size(); ++u) {
      std::vector<arch::LoraMatrixShape> matrices;
      for (const LoraRole role : arch::layer_units()[u].lora_roles) {
        if (const model::LoraWeight* w = adapter.find(l, role)) {
          matrices.push_back({static_cast<uint64_t>(w->a.cols), static_cast<uint64_t>(w->b.rows),
                              static_cast<uint64_t>(w->rank()), w->a.data.size() * 8,
                              w->b.data.size() * 8});
        }
      }
      const arch::UnitTiming base = layer.units[u].timing;
      const arch::UnitTiming adapted =
          arch::adapted_timing(base, arch::lora_path_timing(matrices, o.config));
      delta += adapted.latency - base.latency;
    }
  }
  EXPECT_GT(delta, 0u);
  const sim::UserResult& user = r.users[0];
  ASSERT_EQ(user.tokens_generated, generated);
  uint64_t decode = 0;
  for (uint32_t i = 1; i < generated; ++i) {
    decode += arch::token_timing(o.config, shape, o.weight_types, prompt_len + i).latency + delta;
  }
  EXPECT_EQ(user.last_token_cycle - user.first_token_cycle, decode);

  // The load: the image in bursts of at most 64 KiB, each ceil(bytes / bytes_per_cycle).
  ASSERT_EQ(r.adapters.size(), 1u);
  const uint64_t image = fs::file_size(a);
  uint64_t load = 0;
  for (uint64_t at = 0; at < image; at += protocol::kLoraBurstBytes) {
    load += arch::ceil_div(std::min<uint64_t>(protocol::kLoraBurstBytes, image - at),
                           o.config.host.bytes_per_cycle);
  }
  EXPECT_EQ(r.adapters[0].load_cycles, load);
  EXPECT_GE(user.admitted_cycle, load);
  // The SRAM holds the A and B matrices (4 targets x 2 layers).
  uint64_t tensor_bytes = 0;
  for (uint32_t l = 0; l < shape.n_layer; ++l) {
    for (const arch::UnitInfo& info : arch::layer_units()) {
      for (const LoraRole role : info.lora_roles) {
        if (const model::LoraWeight* w = adapter.find(l, role))
          tensor_bytes += w->a.data.size() + w->b.data.size();
      }
    }
  }
  EXPECT_EQ(adapter.n_weights(), 8u);
  EXPECT_EQ(r.lora_peak_bytes, tensor_bytes);
}

TEST(ChipLora, AdapterTooLargeForTheLoraSramIsRefused) {
  const model::LlamaShape shape = testing::gqa_shape();
  const fs::path path = synth(shape, model::QuantScheme::Q8_0);
  // Rank 64, every target, f32: 64 x (n_in + n_out summed over the seven: 1,408) x 4 B =
  // 352 KiB per layer, more than its 256 KiB.
  const fs::path a = synth_adapter(
      path, "large",
      {.rank = 64,
       .targets = {LoraRole::AttnQ, LoraRole::AttnK, LoraRole::AttnV, LoraRole::AttnOutput,
                   LoraRole::FfnGate, LoraRole::FfnUp, LoraRole::FfnDown},
       .type = gguf::GgmlType::F32});
  sim::RunOptions o;
  o.shape = shape;
  o.config = lora_config();
  o.mode = sim::Mode::Timing;
  o.users = {{prompt(2, 1), 2, 0, a.string()}};
  try {
    sim::run(o, nullptr);
    FAIL() << "an adapter larger than the LoRA SRAM was loaded";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("large.gguf"), std::string::npos) << what;
    EXPECT_NE(what.find("does not fit the LoRA SRAM"), std::string::npos) << what;
    EXPECT_NE(what.find("lora_sram.capacity_mib"), std::string::npos) << what;
  }
}

TEST(ChipLora, AdapterForAnotherModelIsRefused) {
  // An adapter made for the k256 shape does not fit the gqa shape's matrices.
  const fs::path other = synth(testing::kquant_shape(), model::QuantScheme::Q8_0);
  const fs::path a = synth_adapter(other, "other-model", {.rank = 4});
  sim::RunOptions o;
  o.shape = testing::gqa_shape();
  o.config = lora_config();
  o.mode = sim::Mode::Timing;
  o.users = {{prompt(2, 1), 2, 0, a.string()}};
  try {
    sim::run(o, nullptr);
    FAIL() << "a mismatched adapter was loaded";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("other-model.gguf"), std::string::npos) << what;
    EXPECT_NE(what.find("do not fit the base"), std::string::npos) << what;
  }
}

TEST(ChipLora, NoLoraSramRefusesAdapters) {
  const fs::path path = synth(testing::gqa_shape(), model::QuantScheme::Q8_0);
  const fs::path a = synth_adapter(path, "no-sram", {.rank = 2});
  sim::RunOptions o;
  o.shape = testing::gqa_shape();
  o.config = testing::tiny_config();  // lora_sram.capacity_mib = 0
  o.mode = sim::Mode::Timing;
  o.users = {{prompt(2, 1), 2, 0, a.string()}};
  EXPECT_THROW(sim::run(o, nullptr), std::invalid_argument);
}

}  // namespace
}  // namespace etchsim::chip
