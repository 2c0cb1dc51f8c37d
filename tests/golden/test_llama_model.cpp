// model::LlamaModel: hyper-parameters and tensors from GGUF, with errors that name the culprit.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "etchsim/model/llama_model.hpp"
#include "tiny_models.hpp"

namespace etchsim::model {
namespace {

using golden::testing::rewrite_file;
using golden::testing::synth_file;

const auto kKeepTensors = [](const gguf::GgufFile&, const gguf::TensorInfo&, gguf::GgufWriter&) {
  return true;
};

// LlamaModel on a copy of the test model with one key edited; the error message must contain
// every needle.
void expect_key_error(const std::string& name, const golden::testing::KeyEdit& edit,
                      std::initializer_list<std::string> needles) {
  const auto path = rewrite_file(synth_file(QuantScheme::Q8_0), name, kKeepTensors, edit);
  const auto file = gguf::GgufFile::open(path);
  try {
    LlamaModel m(file);
    ADD_FAILURE() << name << ": no error";
  } catch (const std::invalid_argument& e) {
    for (const auto& needle : needles) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  }
}

TEST(LlamaModel, ReadsTheSynthesizedShape) {
  const auto file = gguf::GgufFile::open(synth_file(QuantScheme::Q4_0));
  const LlamaModel m(file);
  const LlamaShape expected = golden::testing::test_shape();
  EXPECT_EQ(m.shape().n_layer, expected.n_layer);
  EXPECT_EQ(m.shape().n_embd, 96u);
  EXPECT_EQ(m.shape().n_head, 6u);
  EXPECT_EQ(m.shape().n_head_kv, 2u);
  EXPECT_EQ(m.shape().n_ff, 160u);
  EXPECT_EQ(m.shape().n_vocab, expected.n_vocab);
  EXPECT_EQ(m.shape().n_ctx, 64u);
  EXPECT_EQ(m.hparams().n_rot, 16u);
  EXPECT_EQ(m.hparams().rope_freq_scale, 1.0f);
  EXPECT_FALSE(m.tied_output());
  EXPECT_TRUE(m.rope_freqs().empty());
  ASSERT_EQ(m.layers().size(), expected.n_layer);
  EXPECT_EQ(m.layers()[1].attn_k.rows, 32);
  EXPECT_EQ(m.layers()[1].attn_k.cols, 96);
  EXPECT_EQ(m.layers()[1].ffn_down.rows, 96);
  EXPECT_EQ(m.layers()[1].ffn_down.cols, 160);
  EXPECT_EQ(m.layers()[0].attn_q.type, gguf::GgmlType::Q4_0);
  EXPECT_EQ(m.output().rows, 512);
}

TEST(LlamaModel, MissingOrMistypedKeysAreNamed) {
  expect_key_error(
      "no-embd.gguf",
      [](const std::string& key, gguf::GgufWriter&) { return key != "llama.embedding_length"; },
      {"llama.embedding_length", "missing"});
  expect_key_error("string-ctx.gguf",
                   [](const std::string& key, gguf::GgufWriter& out) {
                     if (key != "llama.context_length") return true;
                     out.set(key, "long");
                     return false;
                   },
                   {"llama.context_length", "type string"});
  expect_key_error("gpt2-arch.gguf",
                   [](const std::string& key, gguf::GgufWriter& out) {
                     if (key != "general.architecture") return true;
                     out.set(key, "gpt2");
                     return false;
                   },
                   {"general.architecture", "gpt2"});
  expect_key_error("bad-rot.gguf",
                   [](const std::string& key, gguf::GgufWriter& out) {
                     if (key != "llama.rope.dimension_count") return true;
                     out.set(key, uint32_t{8});
                     return false;
                   },
                   {"llama.rope.dimension_count", "16"});
  // A block count the file's tensors cannot hold: refused before anything is sized by it.
  expect_key_error("huge-block-count.gguf",
                   [](const std::string& key, gguf::GgufWriter& out) {
                     if (key != "llama.block_count") return true;
                     out.set(key, uint32_t{4294967295u});
                     return false;
                   },
                   {"llama.block_count", "4294967295", "tensors"});
}

TEST(LlamaModel, RopeScalingFactorGivesFreqScale) {
  const auto path = rewrite_file(synth_file(QuantScheme::Q8_0), "scaled.gguf", kKeepTensors,
                                 [](const std::string& key, gguf::GgufWriter& out) {
                                   if (key == "llama.vocab_size") {
                                     out.set("llama.rope.scaling.factor", 4.0f);
                                   }
                                   return true;
                                 });
  const auto file = gguf::GgufFile::open(path);
  EXPECT_EQ(LlamaModel(file).hparams().rope_freq_scale, 0.25f);
}

TEST(LlamaModel, MissingOrMisshapenTensorsAreNamed) {
  const auto no_q = rewrite_file(synth_file(QuantScheme::Q8_0), "no-q.gguf",
                                 [](const gguf::GgufFile&, const gguf::TensorInfo& t,
                                    gguf::GgufWriter&) { return t.name != "blk.1.attn_q.weight"; });
  const auto f1 = gguf::GgufFile::open(no_q);
  try {
    LlamaModel m(f1);
    ADD_FAILURE() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'blk.1.attn_q.weight' is missing"), std::string::npos)
        << e.what();
  }
  // attn_k with the shape of attn_q.
  const auto bad_k =
      rewrite_file(synth_file(QuantScheme::Q8_0), "bad-k.gguf",
                   [](const gguf::GgufFile& in, const gguf::TensorInfo& t, gguf::GgufWriter& out) {
                     if (t.name != "blk.0.attn_k.weight") return true;
                     const auto& q = in.tensor("blk.0.attn_q.weight");
                     const auto bytes = in.tensor_data(q);
                     out.add_tensor(t.name, q.type, {q.ne[0], q.ne[1]},
                                    std::vector<std::byte>(bytes.begin(), bytes.end()));
                     return false;
                   });
  const auto f2 = gguf::GgufFile::open(bad_k);
  try {
    LlamaModel m(f2);
    ADD_FAILURE() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(
        std::string(e.what()).find("'blk.0.attn_k.weight' has shape [96, 96], expected [96, 32]"),
        std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace etchsim::model
