// LoRA in the golden model and the shared LayerDatapath: a B = 0 adapter changes
// nothing, a real one changes the logits, and tokens of users bound to different adapters
// interleaved through one datapath equal separate golden runs bit for bit.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "etchsim/golden/golden_model.hpp"
#include "etchsim/golden/layer_datapath.hpp"
#include "etchsim/model/lora_adapter.hpp"
#include "etchsim/model/lora_synth.hpp"
#include "tiny_models.hpp"

namespace etchsim::golden {
namespace {

using model::LoraRole;
using testing::synth_file;
using testing::temp_dir;
namespace fs = std::filesystem;

const std::vector<int32_t> kPrompt{5, 77, 300, 12, 499, 250, 1, 64};

fs::path adapter_file(const std::string& name, model::QuantScheme base_quant,
                      const model::LoraSynthOptions& options) {
  const fs::path path = temp_dir() / name;
  if (!fs::exists(path)) {
    const gguf::GgufFile base = gguf::GgufFile::open(synth_file(base_quant));
    const model::LlamaModel m(base);
    model::synth_lora(m.shape(), options, path);
  }
  return path;
}

const model::LoraSynthOptions kQvDown{
    .rank = 8,
    .targets = {LoraRole::AttnQ, LoraRole::AttnV, LoraRole::FfnDown},
    .alpha = 16.0f,
    .seed = 21};
const model::LoraSynthOptions kAll{
    .rank = 4,
    .targets = {LoraRole::AttnQ, LoraRole::AttnK, LoraRole::AttnV, LoraRole::AttnOutput,
                LoraRole::FfnGate, LoraRole::FfnUp, LoraRole::FfnDown},
    .alpha = 0.0f,
    .type = gguf::GgmlType::F16,
    .seed = 22};

struct Loaded {
  gguf::GgufFile base;
  model::LlamaModel model;
  gguf::GgufFile file;
  model::LoraAdapter adapter;
  Loaded(model::QuantScheme quant, const fs::path& path)
      : base(gguf::GgufFile::open(synth_file(quant))),
        model(base),
        file(gguf::GgufFile::open(path)),
        adapter(file, model) {}
};

std::vector<std::vector<float>> run(model::QuantScheme quant, const model::LoraAdapter* lora,
                                    float scale = 1.0f,
                                    numerics::Kernel kernel = numerics::Kernel::Fast) {
  const gguf::GgufFile file = gguf::GgufFile::open(synth_file(quant));
  GoldenModel g(file,
                GoldenOptions{.n_ctx = 16, .kernel = kernel, .lora = lora, .lora_scale = scale});
  return g.evaluate(kPrompt);
}

TEST(GoldenLora, ZeroBAdapterChangesNothing) {
  for (const auto quant : {model::QuantScheme::Q8_0, model::QuantScheme::Q4_K}) {
    model::LoraSynthOptions o = kAll;
    o.zero_b = true;
    const Loaded zero(
        quant,
        adapter_file(fmt::format("zero-{}.gguf", model::quant_scheme_name(quant)), quant, o));
    EXPECT_EQ(run(quant, &zero.adapter), run(quant, nullptr));
  }
}

TEST(GoldenLora, AdapterChangesTheLogitsAndScaleZeroDoesNot) {
  const auto quant = model::QuantScheme::Q8_0;
  const Loaded l(quant, adapter_file("qvdown.gguf", quant, kQvDown));
  const auto plain = run(quant, nullptr);
  const auto adapted = run(quant, &l.adapter);
  ASSERT_EQ(plain.size(), adapted.size());
  double max_diff = 0;
  for (size_t i = 0; i < plain.size(); ++i) {
    for (size_t v = 0; v < plain[i].size(); ++v) {
      max_diff = std::max(max_diff, static_cast<double>(std::abs(plain[i][v] - adapted[i][v])));
    }
  }
  EXPECT_GT(max_diff, 1e-3);
  EXPECT_EQ(run(quant, &l.adapter, 0.0f), plain);  // scale 0: d * 0 = 0 is added
  EXPECT_NE(run(quant, &l.adapter, 0.5f), adapted);
}

TEST(GoldenLora, ScalarAndFastKernelsAgree) {
  const auto quant = model::QuantScheme::Q4_K;
  const Loaded l(quant, adapter_file("all-q4k.gguf", quant, kAll));
  EXPECT_EQ(run(quant, &l.adapter, 1.0f, numerics::Kernel::Scalar),
            run(quant, &l.adapter, 1.0f, numerics::Kernel::Fast));
}

// Three users (adapter A, adapter B, none) interleaved unit by unit through one datapath, as
// the chip's pipeline interleaves them, equal three separate golden runs.
TEST(GoldenLora, InterleavedUsersEqualSeparateRuns) {
  const auto quant = model::QuantScheme::Q8_0;
  const Loaded a(quant, adapter_file("qvdown.gguf", quant, kQvDown));
  const Loaded b(quant, adapter_file("all-q8.gguf", quant, kAll));
  const std::vector<std::vector<std::vector<float>>> want{
      run(quant, &a.adapter), run(quant, &b.adapter, 0.75f), run(quant, nullptr)};

  const LayerDatapath dp(a.model, numerics::kDefaultCpuProfile, numerics::Kernel::Fast);
  const std::vector<LoraBinding> bindings{{.adapter = &a.adapter, .user_scale = 1.0f},
                                          {.adapter = &b.adapter, .user_scale = 0.75f},
                                          {}};
  std::vector<TokenState> states;
  std::vector<std::vector<numerics::KvCache>> caches(bindings.size());
  for (size_t u = 0; u < bindings.size(); ++u) {
    states.push_back(dp.make_state());
    for (size_t l = 0; l < dp.n_layer(); ++l) {
      caches[u].push_back(dp.make_kv_cache(numerics::KvType::F16, 16));
    }
  }
  for (size_t pos = 0; pos < kPrompt.size(); ++pos) {
    // Every user's token of this position passes each unit in turn, one user after another.
    for (size_t u = 0; u < bindings.size(); ++u) {
      dp.embed(kPrompt[pos], static_cast<int32_t>(pos), states[u], &bindings[u]);
    }
    for (size_t l = 0; l < dp.n_layer(); ++l) {
      for (size_t unit = 0; unit < kLayerUnitCount; ++unit) {
        for (size_t u = 0; u < bindings.size(); ++u) {
          dp.run(static_cast<LayerUnit>(unit), l, states[u], caches[u][l]);
        }
      }
    }
    for (size_t u = 0; u < bindings.size(); ++u) {
      for (const HeadUnit h : {HeadUnit::OutputNorm, HeadUnit::OutputQuantize, HeadUnit::Output}) {
        dp.run(h, states[u]);
      }
      EXPECT_EQ(states[u].logits, want[u][pos]) << "user " << u << " position " << pos;
    }
  }
}

TEST(GoldenLora, RejectsAnAdapterOfAnotherModel) {
  // An adapter checked against the 2-layer test model, bound to a token of a 3-layer model.
  const Loaded a(model::QuantScheme::Q8_0,
                 adapter_file("qvdown.gguf", model::QuantScheme::Q8_0, kQvDown));
  model::LlamaShape shape = testing::test_shape();
  shape.name = "three-layers";
  shape.n_layer = 3;
  const gguf::GgufFile other = gguf::GgufFile::open(synth_file(model::QuantScheme::Q8_0, shape));
  const model::LlamaModel m(other);
  const LayerDatapath dp(m, numerics::kDefaultCpuProfile, numerics::Kernel::Fast);
  TokenState s = dp.make_state();
  const LoraBinding bind{.adapter = &a.adapter};
  EXPECT_THROW(dp.embed(1, 0, s, &bind), std::invalid_argument);
}

}  // namespace
}  // namespace etchsim::golden
