// quant/requantize: the tensor types, fallbacks and order llama-quantize would choose, the
// metadata it writes, and clear errors for inputs it cannot take. That the bytes equal
// llama-quantize's is tests/quant/oracle_tests.cmake's job (label reference).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <stdexcept>

#include "../support/test_models.hpp"
#include "etchsim/gguf/dequantize.hpp"
#include "etchsim/quant/requantize.hpp"

namespace etchsim::quant {
namespace {

namespace fs = std::filesystem;
using gguf::GgmlType;
using model::QuantScheme;

const fs::path kStories = fs::path(ETCHSIM_SOURCE_DIR) / "models" / "stories260K.gguf";

std::map<std::string, GgmlType> types_of(const std::vector<TensorChoice>& plan) {
  std::map<std::string, GgmlType> m;
  for (const auto& c : plan) m[c.in->name] = c.type;
  return m;
}

model::LlamaShape small_shape(uint32_t n_ff) {
  model::LlamaShape s = *model::named_shape("small");
  s.name = "quant-small-ff" + std::to_string(n_ff);
  s.n_ff = n_ff;
  return s;
}

TEST(RequantizePlan, Mix36OnStoriesFallsBackPerRowLength) {
  const gguf::GgufFile in = gguf::GgufFile::open(kStories);
  const auto plan = plan_requantize(in, {.scheme = QuantScheme::Mix36});
  ASSERT_EQ(plan.size(), in.tensors().size());
  const auto t = types_of(plan);
  // Rows of 64: Q3_K -> Q4_0, Q6_K -> Q8_0; ffn_down's rows of 172 fit no 32-block: F16.
  EXPECT_EQ(t.at("token_embd.weight"), GgmlType::Q4_0);
  EXPECT_EQ(t.at("blk.0.attn_q.weight"), GgmlType::Q4_0);
  EXPECT_EQ(t.at("blk.0.attn_v.weight"), GgmlType::Q8_0);
  EXPECT_EQ(t.at("blk.4.ffn_gate.weight"), GgmlType::Q4_0);
  EXPECT_EQ(t.at("blk.4.ffn_down.weight"), GgmlType::F16);
  EXPECT_EQ(t.at("output.weight"), GgmlType::Q8_0);
  EXPECT_EQ(t.at("blk.0.attn_norm.weight"), GgmlType::F32);
  EXPECT_EQ(t.at("output_norm.weight"), GgmlType::F32);
  for (const auto& c : plan) {
    EXPECT_EQ(c.note.empty(), c.type == GgmlType::F32) << c.in->name << ": " << c.note;
  }
  // llama_model_loader's order: tensors outside blocks first, then by layer, each by name.
  EXPECT_EQ(plan[0].in->name, "output.weight");
  EXPECT_EQ(plan[1].in->name, "output_norm.weight");
  EXPECT_EQ(plan[2].in->name, "token_embd.weight");
  EXPECT_EQ(plan[3].in->name, "blk.0.attn_k.weight");
  EXPECT_EQ(plan.back().in->name, "blk.4.ffn_up.weight");
}

TEST(RequantizePlan, KQuantsFitRowsOf256AndFallBackOnOthers) {
  const fs::path file = test_support::synth_once(small_shape(320), QuantScheme::F32, 3);
  const gguf::GgufFile in = gguf::GgufFile::open(file);
  const auto q4 = types_of(plan_requantize(in, {.scheme = QuantScheme::Q4_K}));
  EXPECT_EQ(q4.at("blk.0.ffn_gate.weight"), GgmlType::Q4_K);  // rows of 256
  EXPECT_EQ(q4.at("blk.0.ffn_down.weight"), GgmlType::Q5_0);  // rows of 320
  const auto mix = types_of(plan_requantize(in, {.scheme = QuantScheme::Mix36}));
  EXPECT_EQ(mix.at("blk.1.attn_q.weight"), GgmlType::Q3_K);
  EXPECT_EQ(mix.at("blk.1.attn_v.weight"), GgmlType::Q6_K);
  EXPECT_EQ(mix.at("blk.1.ffn_down.weight"), GgmlType::Q8_0);
  EXPECT_EQ(mix.at("output.weight"), GgmlType::Q6_K);
  EXPECT_EQ(mix.at("token_embd.weight"), GgmlType::Q3_K);
}

TEST(RequantizePlan, FloatSchemesAndKeepOutputF16) {
  const gguf::GgufFile in = gguf::GgufFile::open(kStories);
  const auto f16 = types_of(plan_requantize(in, {.scheme = QuantScheme::F16}));
  EXPECT_EQ(f16.at("blk.0.ffn_down.weight"), GgmlType::F16);
  EXPECT_EQ(f16.at("token_embd.weight"), GgmlType::F16);
  EXPECT_EQ(f16.at("blk.0.ffn_norm.weight"), GgmlType::F32);
  const auto keep =
      types_of(plan_requantize(in, {.scheme = QuantScheme::Q8_0, .keep_output_f16 = true}));
  EXPECT_EQ(keep.at("output.weight"), GgmlType::F16);
  EXPECT_EQ(keep.at("token_embd.weight"), GgmlType::Q8_0);
}

TEST(Requantize, WritesLlamaQuantizeMetadataAndCloseWeights) {
  const gguf::GgufFile in = gguf::GgufFile::open(kStories);
  const fs::path out = test_support::temp_dir() / "stories-q8_0.gguf";
  const RequantizeSummary s = requantize(in, out, {.scheme = QuantScheme::Q8_0});
  const gguf::GgufFile q = gguf::GgufFile::open(out);
  EXPECT_EQ(s.file_bytes, q.file_size());
  EXPECT_EQ(s.n_params, 292800u);
  EXPECT_GT(s.bits_per_weight(), 8.0);
  EXPECT_LT(s.bits_per_weight(), 10.0);  // 8.5 for Q8_0; ffn_down at F16, norms at F32
  const auto& kv = q.metadata();
  ASSERT_GE(kv.size(), 2u);
  EXPECT_EQ(kv[kv.size() - 2].first, "general.quantization_version");
  EXPECT_EQ(kv.back().first, "general.file_type");
  EXPECT_EQ(q.get_u32("general.file_type"), 7u);  // LLAMA_FTYPE_MOSTLY_Q8_0
  EXPECT_EQ(q.get_string("tokenizer.ggml.model"), in.get_string("tokenizer.ggml.model"));
  // Q8_0 keeps every weight within half a step d/2 (d = amax/127) of the original, plus the
  // rounding of d to fp16 (relative 2^-11) times the code (up to 127): d (0.5 + 127/2048).
  const gguf::TensorInfo& t = q.tensor("blk.2.attn_q.weight");
  ASSERT_EQ(t.type, GgmlType::Q8_0);
  std::vector<float> got(static_cast<size_t>(t.n_elements()));
  gguf::dequantize(t.type, q.tensor_data(t), got);
  const auto src = in.tensor_data(in.tensor("blk.2.attn_q.weight"));
  std::vector<float> want(got.size());
  gguf::dequantize(GgmlType::F32, src, want);
  for (size_t b = 0; b < want.size(); b += 32) {
    float amax = 0.0f;
    for (size_t i = b; i < b + 32; ++i) amax = std::max(amax, std::fabs(want[i]));
    for (size_t i = b; i < b + 32; ++i) ASSERT_NEAR(got[i], want[i], amax / 127.0f * (0.5f + 127.0f / 2048.0f)) << i;
  }
}

TEST(Requantize, RefusesOtherArchitectures) {
  const fs::path file = test_support::rewrite_file(kStories, "not-llama.gguf", {},
                                                   [](const std::string& key, gguf::GgufWriter& w) {
                                                     if (key != "general.architecture") return true;
                                                     w.set(key, "gpt2");
                                                     return false;
                                                   });
  const gguf::GgufFile in = gguf::GgufFile::open(file);
  try {
    plan_requantize(in, {.scheme = QuantScheme::Q8_0});
    FAIL() << "accepted a gpt2 file";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("not a Llama model"), std::string::npos) << e.what();
  }
}

TEST(Requantize, RefusesQuantizedInputsOtherThanQ8_0) {
  const fs::path file = test_support::synth_once(small_shape(512), QuantScheme::Q4_K, 3);
  const gguf::GgufFile in = gguf::GgufFile::open(file);
  try {
    plan_requantize(in, {.scheme = QuantScheme::Q8_0});
    FAIL() << "accepted Q4_K weights";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("is q4_K"), std::string::npos) << e.what();
  }
  // Already the scheme's type: copied, no conversion needed.
  EXPECT_NO_THROW(plan_requantize(in, {.scheme = QuantScheme::Q4_K}));
}

TEST(Requantize, NonFiniteWeightFailsNamingTheTensorAndWritesNothing) {
  const fs::path file = test_support::rewrite_file(
      kStories, "nan.gguf",
      [](const gguf::GgufFile& in, const gguf::TensorInfo& t, gguf::GgufWriter& w) {
        if (t.name != "blk.1.ffn_up.weight") return true;
        const auto bytes = in.tensor_data(t);
        std::vector<float> x(static_cast<size_t>(t.n_elements()));
        std::memcpy(x.data(), bytes.data(), bytes.size());
        x[1000] = std::numeric_limits<float>::quiet_NaN();
        std::vector<std::byte> raw(bytes.size());
        std::memcpy(raw.data(), x.data(), raw.size());
        w.add_tensor(t.name, t.type, {t.ne[0], t.ne[1]}, std::move(raw));
        return false;
      });
  const gguf::GgufFile in = gguf::GgufFile::open(file);
  const fs::path out = test_support::temp_dir() / "nan-q4_0.gguf";
  try {
    requantize(in, out, {.scheme = QuantScheme::Q4_0});
    FAIL() << "quantized a NaN";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("blk.1.ffn_up.weight"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace etchsim::quant
