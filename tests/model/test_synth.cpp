#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "etchsim/gguf/reader.hpp"
#include "etchsim/model/synth.hpp"

namespace etchsim::model {
namespace {

namespace fs = std::filesystem;
using gguf::GgmlType;

const std::vector<QuantScheme> kSchemes{
    QuantScheme::F32,    QuantScheme::F16,    QuantScheme::Q8_0,   QuantScheme::Q4_0,
    QuantScheme::Q4_K,   QuantScheme::Q3_K,   QuantScheme::Q6_K,   QuantScheme::Mix36,
    QuantScheme::Q3_K_S, QuantScheme::Q3_K_M, QuantScheme::Q3_K_L, QuantScheme::Q4_K_S,
    QuantScheme::Q4_K_M, QuantScheme::Q5_K_S, QuantScheme::Q5_K_M};

SynthOptions options_for(const std::string& shape, QuantScheme quant, uint64_t seed = 1) {
  SynthOptions options;
  options.shape = *named_shape(shape);
  options.quant = quant;
  options.seed = seed;
  return options;
}

const TensorPlan& find_plan(const std::vector<TensorPlan>& plan, const std::string& name) {
  for (const TensorPlan& t : plan) {
    if (t.name == name) return t;
  }
  throw std::out_of_range(name);
}

uint64_t n_elements(const TensorPlan& t) {
  uint64_t n = 1;
  for (const int64_t d : t.ne) n *= static_cast<uint64_t>(d);
  return n;
}

std::vector<char> read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// A fresh directory per test, removed afterwards.
class SynthFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name =
        std::string("etchsim-synth-") + info->name() + "-" + std::to_string(::getpid());
    std::replace(name.begin(), name.end(), '/', '_');  // parameterised names contain '/'
    m_dir = fs::temp_directory_path() / name;
    fs::remove_all(m_dir);
    fs::create_directories(m_dir);
  }
  void TearDown() override { fs::remove_all(m_dir); }
  std::vector<std::string> dir_entries() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(m_dir))
      names.push_back(entry.path().filename());
    return names;
  }

  fs::path m_dir;
};

TEST(QuantScheme, NamesRoundTripCaseInsensitively) {
  ASSERT_EQ(quant_scheme_names().size(), kSchemes.size());
  for (const QuantScheme scheme : kSchemes) {
    const std::string name(quant_scheme_name(scheme));
    EXPECT_EQ(quant_scheme_from_name(name), scheme) << name;
    std::string upper = name;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(quant_scheme_from_name(upper), scheme) << upper;
  }
  EXPECT_EQ(quant_scheme_from_name("Q4_K"), QuantScheme::Q4_K);
  EXPECT_EQ(quant_scheme_from_name("MIX36"), QuantScheme::Mix36);
  EXPECT_FALSE(quant_scheme_from_name("q5_k"));
  EXPECT_FALSE(quant_scheme_from_name(""));
}

class PlanEveryScheme : public ::testing::TestWithParam<std::tuple<std::string, QuantScheme>> {};

TEST_P(PlanEveryScheme, CoversTheShapeWithBlockAlignedTypes) {
  const auto& [shape_name, scheme] = GetParam();
  const SynthOptions options = options_for(shape_name, scheme);
  const auto plan = plan_tensors(options);
  const LlamaShape& s = options.shape;
  ASSERT_EQ(plan.size(), 3 + 9 * s.n_layer + (s.rope_freqs ? 1 : 0));
  EXPECT_EQ(plan.front().name, "token_embd.weight");

  uint64_t params = 0;
  for (const TensorPlan& t : plan) {
    params += n_elements(t);
    EXPECT_EQ(t.ne.at(0) % gguf::traits(t.type).block_elems, 0) << t.name;
    EXPECT_TRUE(gguf::traits(t.type).etchsim_dequantizes) << t.name;
    if (t.ne.size() == 1) {
      EXPECT_EQ(t.type, GgmlType::F32) << t.name;
      EXPECT_TRUE(t.note.empty());
    }
  }
  EXPECT_EQ(params, s.n_params());
  if (shape_name == "llama-3.1-8b") {
    EXPECT_EQ(params, 8030261312u);
  }

  const TensorPlan& v = find_plan(plan, "blk.0.attn_v.weight");
  EXPECT_EQ(v.ne, (std::vector<int64_t>{s.n_embd, s.n_embd_kv()}));
  const TensorPlan& down = find_plan(plan, "blk.1.ffn_down.weight");
  EXPECT_EQ(down.ne, (std::vector<int64_t>{s.n_ff, s.n_embd}));
  const TensorPlan& out = find_plan(plan, "output.weight");
  EXPECT_EQ(out.ne, (std::vector<int64_t>{s.n_embd, s.n_vocab}));
}

INSTANTIATE_TEST_SUITE_P(Shapes, PlanEveryScheme,
                         ::testing::Combine(::testing::Values("tiny", "small", "llama-3.1-8b"),
                                            ::testing::ValuesIn(kSchemes)));

TEST(Plan, Mix36KeepsAttnVFfnDownAndOutputAt6Bits) {
  const auto plan = plan_tensors(options_for("llama-3.1-8b", QuantScheme::Mix36));
  for (const TensorPlan& t : plan) {
    EXPECT_TRUE(t.note.empty()) << t.name << ": " << t.note;
    if (t.ne.size() == 1) continue;
    const bool wide = t.name.ends_with("attn_v.weight") || t.name.ends_with("ffn_down.weight") ||
                      t.name == "output.weight";
    EXPECT_EQ(t.type, wide ? GgmlType::Q6_K : GgmlType::Q3_K) << t.name;
  }
  EXPECT_EQ(find_plan(plan, "rope_freqs.weight").ne, (std::vector<int64_t>{64}));
}

TEST(Plan, KQuantsFallBackOnShortRowsAsLlamaCppDoes) {
  // tiny: rows of 64 and 128, not multiples of 256.
  auto type_of = [](QuantScheme q, const std::string& name) {
    return find_plan(plan_tensors(options_for("tiny", q)), name);
  };
  EXPECT_EQ(type_of(QuantScheme::Q4_K, "blk.0.attn_q.weight").type, GgmlType::Q5_0);
  EXPECT_EQ(type_of(QuantScheme::Q6_K, "blk.0.ffn_down.weight").type, GgmlType::Q8_0);
  const TensorPlan q3 = type_of(QuantScheme::Q3_K, "token_embd.weight");
  EXPECT_EQ(q3.type, GgmlType::Q4_0);  // llama.cpp's tensor_type_fallback: Q3_K -> Q4_0
  EXPECT_NE(q3.note.find("q4_0"), std::string::npos) << q3.note;
  EXPECT_EQ(type_of(QuantScheme::Q5_K_S, "blk.0.attn_q.weight").type, GgmlType::Q5_1);
  EXPECT_EQ(type_of(QuantScheme::Mix36, "output.weight").type, GgmlType::Q8_0);
  EXPECT_FALSE(type_of(QuantScheme::Q4_K, "blk.0.attn_q.weight").note.empty());
  // small: every row is a multiple of 256, so nothing falls back.
  for (const TensorPlan& t : plan_tensors(options_for("small", QuantScheme::Q4_K)))
    EXPECT_TRUE(t.note.empty()) << t.name;
}

// llama-quantize's mixtures (llama_tensor_get_type for the llama architecture, no imatrix) on the
// 32-layer 8B shape: use_more_bits(i, 32) holds for i < 4, i >= 28 and i = 6, 9, ..., 27.
TEST(Plan, MixturesGiveLayersTheirOwnTypesAsLlamaQuantizeDoes) {
  const auto plan_of = [](QuantScheme q) { return plan_tensors(options_for("llama-3.1-8b", q)); };
  auto type_in = [](const std::vector<TensorPlan>& plan, const std::string& name) {
    return find_plan(plan, name).type;
  };
  const auto q4km = plan_of(QuantScheme::Q4_K_M);
  for (uint32_t i = 0; i < 32; ++i) {
    const bool more = i < 4 || i >= 28 || (i >= 4 && (i - 4) % 3 == 2);
    const std::string blk = "blk." + std::to_string(i) + ".";
    const GgmlType wide = more ? GgmlType::Q6_K : GgmlType::Q4_K;
    EXPECT_EQ(type_in(q4km, blk + "attn_v.weight"), wide) << i;
    EXPECT_EQ(type_in(q4km, blk + "ffn_down.weight"), wide) << i;
    EXPECT_EQ(type_in(q4km, blk + "attn_q.weight"), GgmlType::Q4_K) << i;
    EXPECT_EQ(type_in(q4km, blk + "attn_output.weight"), GgmlType::Q4_K) << i;
  }
  EXPECT_EQ(type_in(q4km, "blk.6.attn_v.weight"), GgmlType::Q6_K);
  EXPECT_EQ(type_in(q4km, "blk.7.attn_v.weight"), GgmlType::Q4_K);
  EXPECT_EQ(type_in(q4km, "output.weight"), GgmlType::Q6_K);
  EXPECT_EQ(type_in(q4km, "token_embd.weight"), GgmlType::Q4_K);

  const auto q3km = plan_of(QuantScheme::Q3_K_M);
  EXPECT_EQ(type_in(q3km, "blk.0.attn_v.weight"), GgmlType::Q5_K);
  EXPECT_EQ(type_in(q3km, "blk.1.attn_v.weight"), GgmlType::Q5_K);
  EXPECT_EQ(type_in(q3km, "blk.2.attn_v.weight"), GgmlType::Q4_K);
  EXPECT_EQ(type_in(q3km, "blk.1.ffn_down.weight"), GgmlType::Q5_K);  // i < 32/16
  EXPECT_EQ(type_in(q3km, "blk.2.ffn_down.weight"), GgmlType::Q4_K);
  EXPECT_EQ(type_in(q3km, "blk.5.attn_output.weight"), GgmlType::Q4_K);
  EXPECT_EQ(type_in(q3km, "blk.5.ffn_gate.weight"), GgmlType::Q3_K);
  EXPECT_EQ(type_in(q3km, "output.weight"), GgmlType::Q6_K);

  const auto q4ks = plan_of(QuantScheme::Q4_K_S);
  EXPECT_EQ(type_in(q4ks, "blk.3.attn_v.weight"), GgmlType::Q5_K);
  EXPECT_EQ(type_in(q4ks, "blk.4.attn_v.weight"), GgmlType::Q4_K);
  EXPECT_EQ(type_in(q4ks, "blk.3.ffn_down.weight"), GgmlType::Q5_K);  // i < 32/8
  EXPECT_EQ(type_in(q4ks, "blk.4.ffn_down.weight"), GgmlType::Q4_K);
  const auto q3kl = plan_of(QuantScheme::Q3_K_L);
  EXPECT_EQ(type_in(q3kl, "blk.9.attn_output.weight"), GgmlType::Q5_K);
  EXPECT_EQ(type_in(q3kl, "blk.9.ffn_down.weight"), GgmlType::Q5_K);
  const auto q5km = plan_of(QuantScheme::Q5_K_M);
  EXPECT_EQ(type_in(q5km, "blk.7.attn_v.weight"), GgmlType::Q5_K);
  EXPECT_EQ(type_in(q5km, "blk.9.ffn_down.weight"), GgmlType::Q6_K);
}

TEST(Plan, SeventyBRaisesAttnVAsLlamaQuantizeDoes) {
  // 80 layers with grouped-query attention is llama.cpp's LLM_TYPE_70B: attn_v Q3_K/Q4_K -> Q5_K.
  SynthOptions options = options_for("llama-3.1-8b", QuantScheme::Q4_K_M);
  options.shape.n_layer = 80;
  const auto plan = plan_tensors(options);
  EXPECT_EQ(find_plan(plan, "blk.11.attn_v.weight").type, GgmlType::Q5_K);  // not more bits
  EXPECT_EQ(find_plan(plan, "blk.0.attn_v.weight").type, GgmlType::Q6_K);
  EXPECT_EQ(find_plan(plan, "blk.11.ffn_down.weight").type, GgmlType::Q4_K);  // attn_v only
}

TEST(Plan, RowsOfNoWholeBlockFallBackToF16) {
  SynthOptions options = options_for("tiny", QuantScheme::Q3_K);
  options.shape.n_embd = 48;  // head dim 12: rows of 48 fit neither 256 nor 32
  const auto plan = plan_tensors(options);
  const TensorPlan& q = find_plan(plan, "blk.0.attn_q.weight");
  EXPECT_EQ(q.type, GgmlType::F16);
  EXPECT_FALSE(q.note.empty());
  EXPECT_EQ(find_plan(plan, "blk.0.ffn_down.weight").type, GgmlType::Q4_0);  // rows of 128
}

TEST(Plan, InvalidShapesAreRejected) {
  SynthOptions options = options_for("tiny", QuantScheme::Q8_0);
  options.shape.n_head_kv = 3;
  EXPECT_THROW(plan_tensors(options), std::invalid_argument);
}

class SynthEveryScheme : public SynthFiles, public ::testing::WithParamInterface<QuantScheme> {};

TEST_P(SynthEveryScheme, TinyReadsBackAsALlamaModel) {
  const SynthOptions options = options_for("tiny", GetParam(), 7);
  const fs::path path = m_dir / "tiny.gguf";
  synth_model(options, path);
  const auto file = gguf::GgufFile::open(path);

  EXPECT_EQ(file.get_string("general.architecture"), "llama");
  const std::string quant(quant_scheme_name(GetParam()));
  EXPECT_EQ(file.get_string("general.name"), "etchsim-synth-tiny-" + quant);
  EXPECT_EQ(file.get_string("etchsim.synth.quant"), quant);
  EXPECT_EQ(file.get_u64("etchsim.synth.seed"), 7u);
  EXPECT_EQ(file.get_u32("general.quantization_version"), 2u);
  (void)file.get_u32("general.file_type");
  EXPECT_EQ(file.get_u32("llama.context_length"), 512u);
  EXPECT_EQ(file.get_u32("llama.embedding_length"), 64u);
  EXPECT_EQ(file.get_u32("llama.block_count"), 2u);
  EXPECT_EQ(file.get_u32("llama.feed_forward_length"), 128u);
  EXPECT_EQ(file.get_u32("llama.attention.head_count"), 4u);
  EXPECT_EQ(file.get_u32("llama.attention.head_count_kv"), 2u);
  EXPECT_EQ(file.get_u32("llama.rope.dimension_count"), 16u);
  EXPECT_EQ(file.get_u32("llama.vocab_size"), 512u);
  EXPECT_EQ(file.get_f32("llama.rope.freq_base"), 10000.0f);
  EXPECT_EQ(file.get_f32("llama.attention.layer_norm_rms_epsilon"), 1e-5f);

  EXPECT_EQ(file.get_string("tokenizer.ggml.model"), "gpt2");
  EXPECT_EQ(file.get_string("tokenizer.ggml.pre"), "llama-bpe");
  EXPECT_EQ(file.get_array("tokenizer.ggml.tokens").elems.size(), 512u);
  EXPECT_EQ(file.get_array("tokenizer.ggml.token_type").elem_type, gguf::ValueType::INT32);
  EXPECT_EQ(file.get_array("tokenizer.ggml.merges").elem_type, gguf::ValueType::STRING);
  EXPECT_EQ(file.get_u32("tokenizer.ggml.bos_token_id"), 509u);
  EXPECT_EQ(file.get_u32("tokenizer.ggml.eos_token_id"), 510u);
  EXPECT_EQ(file.get_u32("tokenizer.ggml.eot_token_id"), 511u);
  EXPECT_TRUE(file.get_bool("tokenizer.ggml.add_bos_token"));

  const auto plan = plan_tensors(options);
  ASSERT_EQ(file.tensors().size(), plan.size());
  for (size_t i = 0; i < plan.size(); ++i) {
    const gguf::TensorInfo& info = file.tensors()[i];
    EXPECT_EQ(info.name, plan[i].name);
    EXPECT_EQ(info.type, plan[i].type) << info.name;
    ASSERT_EQ(info.n_dims, plan[i].ne.size()) << info.name;
    for (size_t d = 0; d < plan[i].ne.size(); ++d) EXPECT_EQ(info.ne[d], plan[i].ne[d]);
  }
  const auto norm = file.tensor_data(file.tensor("blk.1.ffn_norm.weight"));
  ASSERT_EQ(norm.size(), 64 * sizeof(float));
  for (size_t i = 0; i < 64; ++i) {
    float w;
    std::memcpy(&w, norm.data() + i * sizeof(float), sizeof w);
    EXPECT_NEAR(w, 1.0f, 0.05f);
  }
}

INSTANTIATE_TEST_SUITE_P(Schemes, SynthEveryScheme, ::testing::ValuesIn(kSchemes),
                         [](const auto& param_info) {
                           return std::string(quant_scheme_name(param_info.param));
                         });

TEST_F(SynthFiles, SentencePieceVocabAndRopeFreqs) {
  SynthOptions options = options_for("tiny", QuantScheme::Q4_0);
  options.vocab = VocabKind::SentencePiece;
  options.shape.rope_freqs = true;
  options.shape.rope_freq_base = 500000.0f;
  const fs::path path = m_dir / "spm.gguf";
  synth_model(options, path);
  const auto file = gguf::GgufFile::open(path);
  EXPECT_EQ(file.get_string("tokenizer.ggml.model"), "llama");
  EXPECT_FALSE(file.has("tokenizer.ggml.merges"));
  EXPECT_EQ(file.get_array("tokenizer.ggml.scores").elem_type, gguf::ValueType::FLOAT32);
  EXPECT_EQ(file.get_u32("tokenizer.ggml.unknown_token_id"), 0u);
  EXPECT_EQ(file.get_u32("tokenizer.ggml.bos_token_id"), 1u);
  EXPECT_EQ(file.get_u32("tokenizer.ggml.eos_token_id"), 2u);

  const gguf::TensorInfo& rope = file.tensor("rope_freqs.weight");
  ASSERT_EQ(rope.type, GgmlType::F32);
  ASSERT_EQ(rope.ne[0], 8);
  const auto bytes = file.tensor_data(rope);
  std::vector<float> factors(8);
  std::memcpy(factors.data(), bytes.data(), bytes.size());
  // Short wavelengths are left alone, long ones scaled by the factor 8 (docs/formats.md §5.3).
  EXPECT_EQ(factors.front(), 1.0f);
  EXPECT_EQ(factors.back(), 8.0f);
  for (size_t i = 1; i < factors.size(); ++i) EXPECT_GE(factors[i], factors[i - 1]);
}

TEST_F(SynthFiles, BytesDependOnlyOnTheSeed) {
  const auto write = [&](uint64_t seed, const std::string& name) {
    synth_model(options_for("small", QuantScheme::Mix36, seed), m_dir / name);
    return read_all(m_dir / name);
  };
  const auto a = write(42, "a.gguf");
  const auto b = write(42, "b.gguf");
  const auto c = write(43, "c.gguf");
  EXPECT_EQ(a, b);
  ASSERT_EQ(a.size(), c.size());
  EXPECT_NE(a, c);

  const auto fa = gguf::GgufFile::open(m_dir / "a.gguf");
  const auto fc = gguf::GgufFile::open(m_dir / "c.gguf");
  for (const gguf::TensorInfo& t : fa.tensors()) {
    const auto da = fa.tensor_data(t), dc = fc.tensor_data(fc.tensor(t.name));
    EXPECT_FALSE(std::equal(da.begin(), da.end(), dc.begin(), dc.end())) << t.name;
  }
}

TEST_F(SynthFiles, ProgressEndsAtTheTotal) {
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  synth_model(options_for("small", QuantScheme::Q8_0), m_dir / "p.gguf",
              [&](uint64_t done, uint64_t total) { calls.emplace_back(done, total); });
  ASSERT_FALSE(calls.empty());
  EXPECT_EQ(calls.back().first, calls.back().second);
  for (size_t i = 1; i < calls.size(); ++i) EXPECT_GE(calls[i].first, calls[i - 1].first);
  const auto file = gguf::GgufFile::open(m_dir / "p.gguf");
  uint64_t data = 0;
  for (const gguf::TensorInfo& t : file.tensors()) data += t.nbytes;
  EXPECT_EQ(calls.back().second, data);
}

TEST_F(SynthFiles, NothingIsLeftOnFailure) {
  const SynthOptions options = options_for("tiny", QuantScheme::Q4_0);
  EXPECT_ANY_THROW(synth_model(options, m_dir / "missing" / "x.gguf"));
  EXPECT_FALSE(fs::exists(m_dir / "missing"));

  SynthOptions bad = options;
  bad.shape.n_head_kv = 3;
  EXPECT_THROW(synth_model(bad, m_dir / "bad.gguf"), std::invalid_argument);

  // A failure while the tensor data is being written (the progress callback throws on its
  // first report, before any tensor is complete), and one at the final report.
  const SynthOptions small = options_for("small", QuantScheme::Q8_0);
  EXPECT_THROW(synth_model(small, m_dir / "abort.gguf",
                           [](uint64_t done, uint64_t total) {
                             if (done < total) throw std::runtime_error("cancelled");
                           }),
               std::runtime_error);
  EXPECT_THROW(synth_model(small, m_dir / "abort.gguf",
                           [](uint64_t, uint64_t) { throw std::runtime_error("cancelled"); }),
               std::runtime_error);
  EXPECT_EQ(dir_entries(), std::vector<std::string>{});
}

}  // namespace
}  // namespace etchsim::model
