// LayerDatapath: its units run one by one give GoldenModel's logits bit for bit, for one sequence
// and for several interleaved ones (as the chip runs several users); unit names; the matvec units
// use only what their quantize units prepared.
#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "etchsim/gguf/dequantize.hpp"
#include "etchsim/golden/golden_model.hpp"
#include "etchsim/golden/layer_datapath.hpp"
#include "tiny_models.hpp"

namespace etchsim::golden {
namespace {

using model::QuantScheme;
using testing::synth_file;

const std::vector<int32_t> kPrompt{1, 300, 17, 511, 42, 42, 256};
const std::vector<int32_t> kOther{5, 5, 400, 3, 77, 128, 9};

// "small": every row a multiple of 256, so K-quant schemes keep their K-quant types (the tiny
// test shape falls back to Q5_0 / Q4_0 / Q8_0).
model::LlamaShape kquant_shape() {
  model::LlamaShape s = *model::named_shape("small");
  s.name = "datapath-small";
  s.n_vocab = 512;
  s.n_ctx = 64;
  return s;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// One sequence through the datapath, every unit called by hand.
class Sequence {
 public:
  Sequence(const LayerDatapath& dp, numerics::KvType kv_type, int n_ctx)
      : m_dp(dp), m_state(dp.make_state()) {
    for (size_t i = 0; i < dp.n_layer(); ++i) m_kv.push_back(dp.make_kv_cache(kv_type, n_ctx));
  }
  const std::vector<float>& step(int32_t token) {
    m_dp.embed(token, m_pos++, m_state);
    for (size_t layer = 0; layer < m_dp.n_layer(); ++layer) {
      for (size_t u = 0; u < kLayerUnitCount; ++u) {
        m_dp.run(static_cast<LayerUnit>(u), layer, m_state, m_kv[layer]);
      }
    }
    for (size_t u = 0; u < kHeadUnitCount; ++u) m_dp.run(static_cast<HeadUnit>(u), m_state);
    return m_state.logits;
  }
  const TokenState& state() const { return m_state; }

 private:
  const LayerDatapath& m_dp;
  TokenState m_state;
  std::vector<numerics::KvCache> m_kv;
  int32_t m_pos = 0;
};

TEST(LayerDatapath, UnitNamesRoundTrip) {
  const std::vector<std::string> layer{
      "attn_norm",         "attn_quantize", "qkv",           "rope",     "attention",
      "attn_out_quantize", "attn_output",   "attn_residual", "ffn_norm", "ffn_quantize",
      "gate_up",           "silu_mul",      "down_quantize", "down",     "ffn_residual"};
  ASSERT_EQ(layer.size(), kLayerUnitCount);
  for (size_t i = 0; i < kLayerUnitCount; ++i) {
    const auto unit = static_cast<LayerUnit>(i);
    EXPECT_EQ(layer_unit_name(unit), layer[i]);
    EXPECT_EQ(layer_unit_from_name(layer_unit_name(unit)), unit);
  }
  EXPECT_EQ(layer_unit_name(LayerUnit::FfnResidual), "ffn_residual");
  const std::vector<std::string> head{"output_norm", "output_quantize", "output", "argmax"};
  for (size_t i = 0; i < kHeadUnitCount; ++i) {
    const auto unit = static_cast<HeadUnit>(i);
    EXPECT_EQ(head_unit_name(unit), head[i]);
    EXPECT_EQ(head_unit_from_name(head_unit_name(unit)), unit);
  }
  EXPECT_FALSE(layer_unit_from_name("output").has_value());
  EXPECT_FALSE(head_unit_from_name("qkv").has_value());
  EXPECT_FALSE(layer_unit_from_name("").has_value());
}

TEST(LayerDatapath, UnitsInOrderMatchGoldenModelBitForBit) {
  struct Case {
    QuantScheme quant;
    model::LlamaShape shape;
  };
  const std::vector<Case> cases{
      {QuantScheme::Q8_0, testing::test_shape()}, {QuantScheme::F16, testing::test_shape()},
      {QuantScheme::Q4_K, testing::test_shape()}, {QuantScheme::Mix36, testing::test_shape()},
      {QuantScheme::Q4_K, kquant_shape()},        {QuantScheme::Mix36, kquant_shape()}};
  for (const Case& c : cases) {
    const auto file = gguf::GgufFile::open(synth_file(c.quant, c.shape));
    const std::string what = std::string(model::quant_scheme_name(c.quant)) + " on " + c.shape.name;
    for (const numerics::Kernel kernel : {numerics::Kernel::Fast, numerics::Kernel::Scalar}) {
      GoldenModel golden(file, {.n_ctx = 16, .kernel = kernel});
      const LayerDatapath dp(golden.model(), numerics::kDefaultCpuProfile, kernel);
      Sequence seq(dp, numerics::KvType::F16, 16);
      for (size_t i = 0; i < kPrompt.size(); ++i) {
        const std::vector<float> expected = golden.evaluate(kPrompt[i]);
        EXPECT_TRUE(same_bits(seq.step(kPrompt[i]), expected)) << what << " position " << i;
      }
    }
  }
}

// K-quant weights see Q8_K activations; mix36's attn_v (Q6_K) shares the Q3_K q/k conversion.
TEST(LayerDatapath, QuantizeUnitsPrepareOneConversionPerVecDotType) {
  const auto file = gguf::GgufFile::open(synth_file(QuantScheme::Mix36, kquant_shape()));
  const model::LlamaModel model(file);
  ASSERT_EQ(model.layers()[0].attn_v.type, gguf::GgmlType::Q6_K);
  ASSERT_EQ(model.layers()[0].attn_q.type, gguf::GgmlType::Q3_K);
  const LayerDatapath dp(model, numerics::kDefaultCpuProfile, numerics::Kernel::Fast);
  Sequence seq(dp, numerics::KvType::F16, 4);
  seq.step(7);
  const TokenState& s = seq.state();
  ASSERT_EQ(s.attn_in.conversions.size(), 1u);
  EXPECT_EQ(s.attn_in.conversions[0].type(), gguf::GgmlType::Q8_K);
  ASSERT_EQ(s.output_in.conversions.size(), 1u);
  EXPECT_EQ(s.output_in.conversions[0].type(), gguf::GgmlType::Q8_K);
}

// An F32 attn_v beside Q8_0 q/k: AttnQuantize makes two conversions, Qkv uses each for its own
// matrices, and the logits still equal GoldenModel's.
TEST(LayerDatapath, MixedVecDotTypesInOneQuantizeUnit) {
  const auto path = testing::rewrite_file(
      synth_file(QuantScheme::Q8_0), "datapath-f32-v.gguf",
      [](const gguf::GgufFile& in, const gguf::TensorInfo& t, gguf::GgufWriter& out) {
        if (t.name.find("attn_v.weight") == std::string::npos) return true;
        const auto bytes = in.tensor_data(t);
        const auto n = static_cast<size_t>(t.ne[0] * t.ne[1]);
        std::vector<float> values(n);
        gguf::dequantize(t.type, bytes, values);
        std::vector<std::byte> raw(n * sizeof(float));
        std::memcpy(raw.data(), values.data(), raw.size());
        out.add_tensor(t.name, gguf::GgmlType::F32, {t.ne[0], t.ne[1]}, std::move(raw));
        return false;
      });
  const auto file = gguf::GgufFile::open(path);
  GoldenModel golden(file, {.n_ctx = 8});
  ASSERT_EQ(golden.model().layers()[0].attn_v.type, gguf::GgmlType::F32);
  const LayerDatapath dp(golden.model(), numerics::kDefaultCpuProfile, numerics::Kernel::Fast);
  Sequence seq(dp, numerics::KvType::F16, 8);
  for (size_t i = 0; i < 4; ++i) {
    const std::vector<float> expected = golden.evaluate(kPrompt[i]);
    EXPECT_TRUE(same_bits(seq.step(kPrompt[i]), expected)) << "position " << i;
  }
  std::set<gguf::GgmlType> types;
  for (const numerics::Activation& a : seq.state().attn_in.conversions) types.insert(a.type());
  EXPECT_EQ(types, (std::set<gguf::GgmlType>{gguf::GgmlType::Q8_0, gguf::GgmlType::F32}));
}

// Two users, tokens alternating, each with its own TokenState and KV caches: the same logits as
// two GoldenModels run separately.
TEST(LayerDatapath, InterleavedSequencesMatchSeparateModels) {
  for (const QuantScheme q : {QuantScheme::Q8_0, QuantScheme::Q4_K, QuantScheme::Mix36}) {
    const auto file = gguf::GgufFile::open(synth_file(q));
    GoldenModel golden_a(file, {.n_ctx = 16}), golden_b(file, {.n_ctx = 16});
    const auto expected_a = golden_a.evaluate(kPrompt);
    const auto expected_b = golden_b.evaluate(kOther);
    const LayerDatapath dp(golden_a.model(), numerics::kDefaultCpuProfile, numerics::Kernel::Fast);
    Sequence a(dp, numerics::KvType::F16, 16), b(dp, numerics::KvType::F16, 16);
    for (size_t i = 0; i < kPrompt.size(); ++i) {
      EXPECT_TRUE(same_bits(a.step(kPrompt[i]), expected_a[i]))
          << model::quant_scheme_name(q) << " user a position " << i;
      EXPECT_TRUE(same_bits(b.step(kOther[i]), expected_b[i]))
          << model::quant_scheme_name(q) << " user b position " << i;
    }
  }
}

// Units interleaved finer still, as pipeline stages do: user b's token enters layer 0 while user
// a's is in layer 1, unit by unit.
TEST(LayerDatapath, UnitLevelInterleavingMatches) {
  const auto file = gguf::GgufFile::open(synth_file(QuantScheme::Q8_0));
  GoldenModel golden_a(file, {.n_ctx = 8}), golden_b(file, {.n_ctx = 8});
  const LayerDatapath dp(golden_a.model(), numerics::kDefaultCpuProfile, numerics::Kernel::Fast);
  ASSERT_EQ(dp.n_layer(), 2u);
  TokenState a = dp.make_state(), b = dp.make_state();
  std::vector<numerics::KvCache> kv_a, kv_b;
  for (size_t i = 0; i < 2; ++i) {
    kv_a.push_back(dp.make_kv_cache(numerics::KvType::F16, 8));
    kv_b.push_back(dp.make_kv_cache(numerics::KvType::F16, 8));
  }
  for (int32_t pos = 0; pos < 3; ++pos) {
    const auto ta = kPrompt[static_cast<size_t>(pos)], tb = kOther[static_cast<size_t>(pos)];
    dp.embed(ta, pos, a);
    for (size_t u = 0; u < kLayerUnitCount; ++u) dp.run(static_cast<LayerUnit>(u), 0, a, kv_a[0]);
    dp.embed(tb, pos, b);
    for (size_t u = 0; u < kLayerUnitCount; ++u) {
      dp.run(static_cast<LayerUnit>(u), 1, a, kv_a[1]);
      dp.run(static_cast<LayerUnit>(u), 0, b, kv_b[0]);
    }
    for (size_t u = 0; u < kHeadUnitCount; ++u) {
      dp.run(static_cast<HeadUnit>(u), a);
      dp.run(static_cast<LayerUnit>(u), 1, b, kv_b[1]);
    }
    for (size_t u = kHeadUnitCount; u < kLayerUnitCount; ++u) {
      dp.run(static_cast<LayerUnit>(u), 1, b, kv_b[1]);
    }
    for (size_t u = 0; u < kHeadUnitCount; ++u) dp.run(static_cast<HeadUnit>(u), b);
    EXPECT_TRUE(same_bits(a.logits, golden_a.evaluate(ta))) << "user a position " << pos;
    EXPECT_TRUE(same_bits(b.logits, golden_b.evaluate(tb))) << "user b position " << pos;
  }
}

// The chip's split: the host looks the embedding up, the chip starts the token from the row it
// received and calls the cache only for attention.
TEST(LayerDatapath, HostEmbeddingThenStartMatches) {
  const auto file = gguf::GgufFile::open(synth_file(QuantScheme::Q4_0));
  GoldenModel golden(file, {.n_ctx = 8});
  const LayerDatapath& dp = golden.datapath();
  TokenState s = dp.make_state();
  std::vector<numerics::KvCache> kv;
  for (size_t i = 0; i < dp.n_layer(); ++i)
    kv.push_back(dp.make_kv_cache(numerics::KvType::F16, 8));
  std::vector<float> row(s.x.size());
  for (int32_t pos = 0; pos < 4; ++pos) {
    const int32_t token = kPrompt[static_cast<size_t>(pos)];
    dp.embedding(token, row);
    dp.start(pos, row, s);
    for (size_t layer = 0; layer < dp.n_layer(); ++layer) {
      for (size_t u = 0; u < kLayerUnitCount; ++u) {
        const auto unit = static_cast<LayerUnit>(u);
        if (unit == LayerUnit::Attention) {
          dp.run(unit, layer, s, kv[layer]);
        } else {
          dp.run(unit, layer, s);
        }
      }
    }
    for (size_t u = 0; u < kHeadUnitCount; ++u) dp.run(static_cast<HeadUnit>(u), s);
    EXPECT_TRUE(same_bits(s.logits, golden.evaluate(token))) << "position " << pos;
  }
  EXPECT_THROW(dp.run(LayerUnit::Attention, 0, s), std::invalid_argument);
  EXPECT_THROW(dp.start(0, std::vector<float>(3), s), std::invalid_argument);
  EXPECT_THROW(dp.embedding(1, std::span<float>(row).first(3)), std::invalid_argument);
}

TEST(LayerDatapath, MatvecUnitsNeedTheirQuantizeUnit) {
  const auto file = gguf::GgufFile::open(synth_file(QuantScheme::Q8_0));
  const model::LlamaModel model(file);
  const LayerDatapath dp(model, numerics::kDefaultCpuProfile, numerics::Kernel::Fast);
  TokenState s = dp.make_state();
  numerics::KvCache cache = dp.make_kv_cache(numerics::KvType::F16, 4);
  dp.embed(3, 0, s);
  dp.run(LayerUnit::AttnNorm, 0, s, cache);
  EXPECT_THROW(dp.run(LayerUnit::Qkv, 0, s, cache), std::logic_error);
  EXPECT_THROW(dp.run(LayerUnit::GateUp, 0, s, cache), std::logic_error);
  EXPECT_THROW(dp.run(HeadUnit::Output, s), std::logic_error);
  dp.run(LayerUnit::AttnQuantize, 0, s, cache);
  EXPECT_NO_THROW(dp.run(LayerUnit::Qkv, 0, s, cache));
  EXPECT_THROW(dp.run(LayerUnit::AttnNorm, dp.n_layer(), s, cache), std::out_of_range);
  EXPECT_THROW(dp.embed(512, 0, s), std::invalid_argument);
  EXPECT_THROW(dp.embed(-1, 0, s), std::invalid_argument);
}

}  // namespace
}  // namespace etchsim::golden
