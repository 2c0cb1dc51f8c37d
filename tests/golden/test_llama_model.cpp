// model::LlamaModel: hyper-parameters and tensors from GGUF, with errors that name the culprit.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "etchsim/golden/golden_model.hpp"
#include "etchsim/golden/layer_datapath.hpp"
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

// Files that parse but lie about the model: every inconsistency between the metadata and the
// tensors is an error naming the key or the tensor.
TEST(LlamaModel, InconsistentMetadataIsNamed) {
  auto set_key = [](std::string target, gguf::Value value) {
    return [target, value](const std::string& key, gguf::GgufWriter& out) {
      if (key != target) return true;
      out.set(key, value);
      return false;
    };
  };
  // test shape: 6 heads over 2 KV heads; 4 KV heads do not group 6 heads.
  expect_key_error("kv-heads-4.gguf", set_key("llama.attention.head_count_kv", uint32_t{4}),
                   {"llama.attention.head_count_kv", "(4) does not divide head_count (6)"});
  // 3 KV heads divide 6 heads, but attn_k then has the wrong shape.
  expect_key_error("kv-heads-3.gguf", set_key("llama.attention.head_count_kv", uint32_t{3}),
                   {"blk.0.attn_k.weight", "has shape [96, 32], expected [96, 48]"});
  expect_key_error("heads-5.gguf", set_key("llama.attention.head_count", uint32_t{5}),
                   {"llama.attention.head_count", "does not divide"});
  expect_key_error("ff-8.gguf", set_key("llama.feed_forward_length", uint32_t{8}),
                   {"blk.0.ffn_gate.weight", "expected [96, 8]"});
  expect_key_error("blocks-0.gguf", set_key("llama.block_count", uint32_t{0}),
                   {"llama.block_count", "unsupported value 0"});
  expect_key_error(
      "eps-nan.gguf",
      set_key("llama.attention.layer_norm_rms_epsilon", std::numeric_limits<float>::quiet_NaN()),
      {"llama.attention.layer_norm_rms_epsilon", "finite"});
  expect_key_error("eps-neg.gguf", set_key("llama.attention.layer_norm_rms_epsilon", -1e-5f),
                   {"llama.attention.layer_norm_rms_epsilon", "finite number > 0"});
  expect_key_error("base-inf.gguf",
                   set_key("llama.rope.freq_base", std::numeric_limits<float>::infinity()),
                   {"llama.rope.freq_base", "finite"});
  // A per-layer array with the wrong number of entries.
  expect_key_error(
      "ff-array.gguf",
      set_key("llama.feed_forward_length",
              gguf::Value{gguf::Array{gguf::ValueType::UINT32, {gguf::Value{uint32_t{160}}}}}),
      {"llama.feed_forward_length", "has 1 entries, expected one per layer"});
}

// A weight matrix of a type the datapath does not compute is refused when the datapath is built,
// naming the tensor (not at the first token, with a message naming no tensor).
TEST(LlamaModel, UnsupportedWeightTypeIsNamed) {
  const auto path =
      rewrite_file(synth_file(QuantScheme::Q8_0), "iq-up.gguf",
                   [](const gguf::GgufFile&, const gguf::TensorInfo& t, gguf::GgufWriter& out) {
                     if (t.name != "blk.1.ffn_up.weight") return true;
                     // IQ4_NL: 32-element blocks of 18 bytes, a type llama.cpp has and etchsim does
                     // not.
                     const int64_t blocks = t.ne[0] / 32 * t.ne[1];
                     out.add_tensor(t.name, gguf::GgmlType::IQ4_NL, {t.ne[0], t.ne[1]},
                                    std::vector<std::byte>(static_cast<size_t>(blocks) * 18));
                     return false;
                   });
  const auto file = gguf::GgufFile::open(path);
  const LlamaModel model(file);
  try {
    golden::LayerDatapath datapath(model, numerics::kDefaultCpuProfile, numerics::Kernel::Fast);
    ADD_FAILURE() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("tensor 'blk.1.ffn_up.weight' has type iq4_nl"),
              std::string::npos)
        << e.what();
  }
}

// general.alignment 1, 2 (any power of two): tensors at odd addresses are read from aligned
// copies, so the model gives the same logits, bit for bit, as the default 32-byte layout (and
// UBSan sees no misaligned float or block read).
TEST(LlamaModel, AnyPowerOfTwoAlignmentReadsTheSameModel) {
  for (const QuantScheme scheme : {QuantScheme::Q8_0, QuantScheme::F16}) {
    const auto source = synth_file(scheme);
    const auto reference_file = gguf::GgufFile::open(source);
    const LlamaModel reference_model(reference_file);
    auto logits_of = [](const gguf::GgufFile& file) {
      golden::GoldenModel model(file, golden::GoldenOptions{.n_ctx = 4});
      std::vector<std::vector<float>> rows;
      for (const int32_t token : {1, 7, 300}) rows.push_back(model.evaluate(token));
      return rows;
    };
    const auto expected = logits_of(reference_file);
    for (const uint32_t alignment : {1u, 2u, 8u}) {
      // A padding key shifts the data section; the first length that puts some tensor at an
      // odd address (alignment 1) or at 2 mod 4 (alignment 2) is taken.
      const std::string name =
          "align" + std::to_string(alignment) + "-" + std::to_string(int(scheme)) + ".gguf";
      auto write = [&](size_t pad) {
        return rewrite_file(
            source, name, {},
            [pad](const std::string& key, gguf::GgufWriter& out) {
              if (key == "general.architecture") out.set("pad", std::string(pad, 'x'));
              return true;
            },
            alignment);
      };
      auto misaligned = [alignment](const gguf::GgufFile& f) {
        for (const gguf::TensorInfo& t : f.tensors()) {
          if (t.file_offset % (2 * alignment) != 0) return true;
        }
        return false;
      };
      std::optional<gguf::GgufFile> found;
      for (size_t pad = 0; pad < 8 && !found; ++pad) {
        gguf::GgufFile f = gguf::GgufFile::open(write(pad));
        if (alignment == 8 || misaligned(f)) found.emplace(std::move(f));
      }
      ASSERT_TRUE(found) << "no padding gives a misaligned tensor at alignment " << alignment;
      const gguf::GgufFile& file = *found;
      ASSERT_EQ(file.alignment(), alignment);
      for (const gguf::TensorInfo& t : file.tensors()) {
        EXPECT_EQ(
            reinterpret_cast<uintptr_t>(file.tensor_data(t).data()) % gguf::kTensorDataAlignment,
            0u)
            << t.name;
      }
      EXPECT_EQ(logits_of(file), expected) << "alignment " << alignment;
    }
  }
}

}  // namespace
}  // namespace etchsim::model
