// GoldenModel on synthesized tiny models: determinism, the KV cache, kernels, tied output, errors.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "etchsim/golden/golden_model.hpp"
#include "etchsim/golden/sampling.hpp"
#include "tiny_models.hpp"

namespace etchsim::golden {
namespace {

using model::QuantScheme;
using numerics::KvType;
using testing::synth_file;

const std::vector<int32_t> kPrompt{1, 300, 17, 511, 42, 42, 256, 99, 7, 128};

std::vector<std::vector<float>> run(const gguf::GgufFile& file, const GoldenOptions& options,
                                    const std::vector<int32_t>& tokens = kPrompt) {
  GoldenModel golden(file, options);
  return golden.evaluate(tokens);
}

// Throws std::invalid_argument whose message contains `needle`.
template <typename F>
void expect_invalid(F&& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no exception; expected one mentioning '" << needle << "'";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(GoldenModel, LogitsAreFiniteAndDeterministic) {
  for (const QuantScheme q : {QuantScheme::F32, QuantScheme::F16, QuantScheme::Q8_0,
                              QuantScheme::Q4_0, QuantScheme::Q4_K, QuantScheme::Mix36}) {
    const auto file = gguf::GgufFile::open(synth_file(q));
    const auto a = run(file, {});
    const auto b = run(file, {});
    ASSERT_EQ(a.size(), kPrompt.size());
    for (size_t i = 0; i < a.size(); ++i) {
      ASSERT_EQ(a[i].size(), 512u);
      for (const float l : a[i]) ASSERT_TRUE(std::isfinite(l)) << model::quant_scheme_name(q);
      EXPECT_EQ(a[i], b[i]) << model::quant_scheme_name(q) << " position " << i;
    }
  }
}

TEST(GoldenModel, IncrementalEqualsReEvaluation) {
  const auto file = gguf::GgufFile::open(synth_file(QuantScheme::Q8_0));
  for (const KvType kv : {KvType::F32, KvType::F16, KvType::I8}) {
    const auto incremental = run(file, {.kv_type = kv});
    for (size_t n = 1; n <= kPrompt.size(); n += 3) {
      GoldenModel fresh(file, {.kv_type = kv});
      const std::vector<int32_t> prefix(kPrompt.begin(), kPrompt.begin() + static_cast<long>(n));
      EXPECT_EQ(fresh.evaluate(prefix).back(), incremental[n - 1]) << "prefix " << n;
    }
  }
}

// Prefill in batches (run_batch, numerics::matmat) gives every token's logits and KV bit for
// bit as evaluating the tokens one at a time: a batch of 16, one of 4 (past kPrefillBatch), and
// a decode step after them.
TEST(GoldenModel, BatchedPromptEqualsTokenByToken) {
  std::vector<int32_t> prompt;
  for (int32_t i = 0; i < 20; ++i) prompt.push_back((i * 97 + 5) % 512);
  for (const QuantScheme q :
       {QuantScheme::F32, QuantScheme::F16, QuantScheme::Q8_0, QuantScheme::Q4_0, QuantScheme::Q4_K,
        QuantScheme::Q3_K, QuantScheme::Q6_K, QuantScheme::Mix36}) {
    const auto file = gguf::GgufFile::open(synth_file(q));
    for (const auto profile : {numerics::CpuProfile::Haswell, numerics::CpuProfile::Zen4}) {
      GoldenModel batched(file, {.profile = profile});
      GoldenModel single(file, {.profile = profile});
      const auto all = batched.evaluate(prompt);
      ASSERT_EQ(all.size(), prompt.size());
      for (size_t i = 0; i < prompt.size(); ++i) {
        EXPECT_EQ(all[i], single.evaluate(prompt[i]))
            << model::quant_scheme_name(q) << " token " << i;
      }
      EXPECT_EQ(batched.evaluate(3), single.evaluate(3)) << model::quant_scheme_name(q);
    }
  }
}

TEST(GoldenModel, ResetStartsOver) {
  const auto file = gguf::GgufFile::open(synth_file(QuantScheme::Q4_0));
  GoldenModel golden(file);
  const auto first = golden.evaluate(kPrompt);
  EXPECT_EQ(golden.n_past(), static_cast<int>(kPrompt.size()));
  golden.reset();
  EXPECT_EQ(golden.n_past(), 0);
  EXPECT_EQ(golden.evaluate(kPrompt), first);
}

TEST(GoldenModel, ScalarAndFastKernelsAgreeBitForBit) {
  for (const QuantScheme q : {QuantScheme::F32, QuantScheme::F16, QuantScheme::Q4_0,
                              QuantScheme::Q4_K, QuantScheme::Q3_K, QuantScheme::Q6_K}) {
    const auto file = gguf::GgufFile::open(synth_file(q));
    EXPECT_EQ(run(file, {.kernel = numerics::Kernel::Scalar}),
              run(file, {.kernel = numerics::Kernel::Fast}))
        << model::quant_scheme_name(q);
  }
}

TEST(GoldenModel, KvCacheTypesStayClose) {
  const auto file = gguf::GgufFile::open(synth_file(QuantScheme::Q8_0));
  const auto f32 = run(file, {.kv_type = KvType::F32});
  for (const KvType kv : {KvType::F16, KvType::I8}) {
    const auto other = run(file, {.kv_type = kv});
    double worst = 0.0;
    for (size_t i = 0; i < f32.size(); ++i) {
      const auto a = log_softmax(f32[i]), b = log_softmax(other[i]);
      for (size_t v = 0; v < a.size(); ++v) worst = std::max(worst, std::fabs(a[v] - b[v]));
    }
    EXPECT_LT(worst, 0.05) << "kv type " << static_cast<int>(kv);
    EXPECT_GT(worst, 0.0) << "kv type " << static_cast<int>(kv) << " should round";
  }
}

// Without output.weight the LM head is token_embd (docs/formats.md §5.2): the same logits as a
// model whose output.weight is a copy of token_embd.
TEST(GoldenModel, TiedOutputUsesTokenEmbedding) {
  const auto source = synth_file(QuantScheme::Q8_0);
  const auto tied_path = testing::rewrite_file(
      source, "tied.gguf", [](const gguf::GgufFile&, const gguf::TensorInfo& t, gguf::GgufWriter&) {
        return t.name != "output.weight";
      });
  const auto copied_path = testing::rewrite_file(
      source, "copied.gguf",
      [](const gguf::GgufFile& in, const gguf::TensorInfo& t, gguf::GgufWriter& out) {
        if (t.name != "output.weight") return true;
        const gguf::TensorInfo& embd = in.tensor("token_embd.weight");
        const auto bytes = in.tensor_data(embd);
        out.add_tensor(t.name, embd.type, {embd.ne[0], embd.ne[1]},
                       std::vector<std::byte>(bytes.begin(), bytes.end()));
        return false;
      });
  const auto tied = gguf::GgufFile::open(tied_path);
  const auto copied = gguf::GgufFile::open(copied_path);
  GoldenModel tied_model(tied);
  EXPECT_TRUE(tied_model.model().tied_output());
  EXPECT_FALSE(GoldenModel(copied).model().tied_output());
  EXPECT_EQ(tied_model.evaluate(kPrompt), run(copied, {}));
  EXPECT_NE(run(tied, {}), run(gguf::GgufFile::open(source), {}));
}

TEST(GoldenModel, RopeFreqsChangeTheResult) {
  model::LlamaShape shape = testing::test_shape();
  shape.name = "golden-test-rope-freqs";
  shape.rope_freqs = true;
  const auto with = gguf::GgufFile::open(synth_file(QuantScheme::Q8_0, shape));
  GoldenModel golden(with);
  EXPECT_EQ(golden.model().rope_freqs().size(), shape.head_dim() / 2);
  // Same weights (same seed), factors only divide the angles: position 0 is unchanged.
  const auto without = gguf::GgufFile::open(synth_file(QuantScheme::Q8_0));
  const auto a = run(with, {}), b = run(without, {});
  EXPECT_EQ(a.front(), b.front());
  EXPECT_NE(a.back(), b.back());
}

TEST(GoldenModel, RejectsBadTokensEmptyPromptsAndFullContexts) {
  const auto file = gguf::GgufFile::open(synth_file(QuantScheme::Q8_0));
  GoldenModel golden(file, {.n_ctx = 4});
  expect_invalid([&] { golden.evaluate(-1); }, "token id -1");
  expect_invalid([&] { golden.evaluate(512); }, "token id 512");
  expect_invalid([&] { golden.evaluate(std::vector<int32_t>{}); }, "empty");
  expect_invalid(
      [&] {
        golden.evaluate(std::vector<int32_t>{1, 2, 3, 4, 5});
      },
      "exceed the context of 4");
  EXPECT_EQ(golden.n_past(), 0);  // nothing evaluated by the failed calls
  golden.evaluate(std::vector<int32_t>{1, 2, 3, 4});
  expect_invalid([&] { golden.evaluate(5); }, "position 4 is beyond the context of 4");
  expect_invalid([&] { GoldenModel(file, {.n_ctx = 65}); }, "context size 65");
}

}  // namespace
}  // namespace etchsim::golden
