// LoRA adapter GGUF reading and checking (model/lora_adapter.hpp) and synth-lora
// (model/lora_synth.hpp): a valid adapter, and every error llama.cpp's loader raises.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <string>

#include "../support/test_models.hpp"
#include "etchsim/gguf/reader.hpp"
#include "etchsim/gguf/writer.hpp"
#include "etchsim/model/llama_model.hpp"
#include "etchsim/model/lora_adapter.hpp"
#include "etchsim/model/lora_synth.hpp"
#include "etchsim/model/synth.hpp"

namespace etchsim::model {
namespace {

namespace fs = std::filesystem;

using test_support::rewrite_file;
using test_support::temp_dir;

const fs::path& base_path() {
  static const fs::path path =
      test_support::synth_once(test_support::gqa3_shape("lora-test"), QuantScheme::Q8_0, 3);
  return path;
}

struct Base {
  gguf::GgufFile file = gguf::GgufFile::open(base_path());
  LlamaModel model{file};
};

fs::path write_adapter(const Base& base, const std::string& name, const LoraSynthOptions& o) {
  const fs::path path = temp_dir() / name;
  synth_lora(base.model.shape(), o, path);
  return path;
}

fs::path valid_adapter(const Base& base) {
  return write_adapter(
      base, "valid.gguf",
      LoraSynthOptions{.rank = 8,
                       .targets = {LoraRole::AttnQ, LoraRole::AttnV, LoraRole::FfnDown},
                       .alpha = 16.0f,
                       .seed = 5});
}

// The message of the std::invalid_argument LoraAdapter throws for `path`.
std::string load_error(const Base& base, const fs::path& path) {
  const gguf::GgufFile file = gguf::GgufFile::open(path);
  try {
    const LoraAdapter adapter(file, base.model);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no error";
}

TEST(LoraAdapter, ReadsASynthesizedAdapter) {
  const Base base;
  const fs::path path = valid_adapter(base);
  const gguf::GgufFile file = gguf::GgufFile::open(path);
  const LoraAdapter adapter(file, base.model);
  EXPECT_EQ(adapter.alpha(), 16.0f);
  EXPECT_EQ(adapter.rank(), 8);
  EXPECT_EQ(adapter.n_weights(), 3 * base.model.layers().size());
  EXPECT_EQ(adapter.scale(1.0f), 2.0f);
  for (size_t l = 0; l < base.model.layers().size(); ++l) {
    const LoraWeight* q = adapter.find(l, LoraRole::AttnQ);
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(q->a.rows, 8);
    EXPECT_EQ(q->a.cols, 96);
    EXPECT_EQ(q->b.rows, 96);
    EXPECT_EQ(q->b.cols, 8);
    EXPECT_EQ(q->a.type, gguf::GgmlType::F32);
    const LoraWeight* down = adapter.find(l, LoraRole::FfnDown);
    ASSERT_NE(down, nullptr);
    EXPECT_EQ(down->a.cols, 160);
    EXPECT_EQ(down->b.rows, 96);
    EXPECT_EQ(adapter.find(l, LoraRole::AttnK), nullptr);
    EXPECT_EQ(adapter.find(l, LoraRole::FfnUp), nullptr);
  }
  EXPECT_EQ(adapter.find(99, LoraRole::AttnQ), nullptr);
}

TEST(LoraAdapter, ScaleFollowsLlamaCpp) {
  EXPECT_EQ(lora_scale(1.0f, 0.0f, 8), 1.0f);  // alpha 0: the user scale alone
  EXPECT_EQ(lora_scale(0.5f, 0.0f, 8), 0.5f);
  EXPECT_EQ(lora_scale(1.0f, 16.0f, 8), 2.0f);
  // f32, user_scale * alpha first, then / rank.
  const float user = 0.7f, alpha = 3.0f;
  const float want = (user * alpha) / 7.0f;
  EXPECT_EQ(lora_scale(user, alpha, 7), want);
}

TEST(LoraAdapter, Q8_0FallsBackToF16ForShortRows) {
  const Base base;
  const fs::path path = write_adapter(
      base, "q8.gguf",
      LoraSynthOptions{.rank = 8, .targets = {LoraRole::AttnQ}, .type = gguf::GgmlType::Q8_0});
  const gguf::GgufFile file = gguf::GgufFile::open(path);
  const LoraAdapter adapter(file, base.model);
  const LoraWeight* q = adapter.find(0, LoraRole::AttnQ);
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->a.type, gguf::GgmlType::Q8_0);  // row length 96 = 3 blocks
  EXPECT_EQ(q->b.type, gguf::GgmlType::F16);   // row length 8: not a whole block
}

TEST(LoraAdapter, LayerRangeAndNormVectorsAreAccepted) {
  const Base base;
  const fs::path ranged = write_adapter(
      base, "ranged.gguf",
      LoraSynthOptions{.targets = {LoraRole::FfnGate}, .layer_begin = 1, .layer_end = 2});
  // A norm vector in the adapter is ignored, as llama.cpp does.
  const fs::path with_norm =
      rewrite_file(ranged, "norm.gguf", {}, [](const std::string& key, gguf::GgufWriter& out) {
        if (key == "general.type") {
          std::vector<std::byte> bytes(96 * sizeof(float));
          out.add_tensor("blk.0.attn_norm.weight", gguf::GgmlType::F32, {96}, bytes);
        }
        return true;
      });
  const gguf::GgufFile file = gguf::GgufFile::open(with_norm);
  const LoraAdapter adapter(file, base.model);
  EXPECT_EQ(adapter.n_weights(), 1u);
  EXPECT_EQ(adapter.find(0, LoraRole::FfnGate), nullptr);
  EXPECT_NE(adapter.find(1, LoraRole::FfnGate), nullptr);
}

TEST(LoraAdapter, RejectsWrongGeneralType) {
  const Base base;
  const fs::path path = rewrite_file(valid_adapter(base), "type.gguf", {},
                                     [](const std::string& key, gguf::GgufWriter& out) {
                                       if (key != "general.type") return true;
                                       out.set(key, "model");
                                       return false;
                                     });
  const std::string e = load_error(base, path);
  EXPECT_NE(e.find("type.gguf"), std::string::npos) << e;
  EXPECT_NE(e.find("general.type"), std::string::npos) << e;
  EXPECT_NE(e.find("'model'"), std::string::npos) << e;
}

TEST(LoraAdapter, RejectsMissingGeneralTypeAndWrongAdapterType) {
  const Base base;
  const fs::path missing =
      rewrite_file(valid_adapter(base), "notype.gguf", {},
                   [](const std::string& key, gguf::GgufWriter&) { return key != "general.type"; });
  EXPECT_NE(load_error(base, missing).find("'general.type' is missing"), std::string::npos);
  const fs::path ia3 = rewrite_file(valid_adapter(base), "ia3.gguf", {},
                                    [](const std::string& key, gguf::GgufWriter& out) {
                                      if (key != "adapter.type") return true;
                                      out.set(key, "ia3");
                                      return false;
                                    });
  EXPECT_NE(load_error(base, ia3).find("adapter.type"), std::string::npos);
}

TEST(LoraAdapter, RejectsNonF32Alpha) {
  const Base base;
  const fs::path path = rewrite_file(valid_adapter(base), "alpha.gguf", {},
                                     [](const std::string& key, gguf::GgufWriter& out) {
                                       if (key != "adapter.lora.alpha") return true;
                                       out.set(key, uint32_t{16});
                                       return false;
                                     });
  const std::string e = load_error(base, path);
  EXPECT_NE(e.find("adapter.lora.alpha"), std::string::npos) << e;
  EXPECT_NE(e.find("f32"), std::string::npos) << e;
}

TEST(LoraAdapter, MissingAlphaIsZero) {
  const Base base;
  const fs::path path = rewrite_file(
      valid_adapter(base), "noalpha.gguf", {},
      [](const std::string& key, gguf::GgufWriter&) { return key != "adapter.lora.alpha"; });
  const gguf::GgufFile file = gguf::GgufFile::open(path);
  const LoraAdapter adapter(file, base.model);
  EXPECT_EQ(adapter.alpha(), 0.0f);
  EXPECT_EQ(adapter.scale(0.25f), 0.25f);
}

TEST(LoraAdapter, RejectsArchitectureMismatch) {
  const Base base;
  const fs::path path = rewrite_file(valid_adapter(base), "arch.gguf", {},
                                     [](const std::string& key, gguf::GgufWriter& out) {
                                       if (key != "general.architecture") return true;
                                       out.set(key, "qwen2");
                                       return false;
                                     });
  const std::string e = load_error(base, path);
  EXPECT_NE(e.find("general.architecture"), std::string::npos) << e;
  EXPECT_NE(e.find("qwen2"), std::string::npos) << e;
}

TEST(LoraAdapter, RejectsMissingPartner) {
  const Base base;
  const fs::path path =
      rewrite_file(valid_adapter(base), "partner.gguf",
                   [](const gguf::GgufFile&, const gguf::TensorInfo& t, gguf::GgufWriter&) {
                     return t.name != "blk.1.attn_v.weight.lora_b";
                   });
  const std::string e = load_error(base, path);
  EXPECT_NE(e.find("partner.gguf"), std::string::npos) << e;
  EXPECT_NE(e.find("blk.1.attn_v.weight.lora_a"), std::string::npos) << e;
  EXPECT_NE(e.find("no partner"), std::string::npos) << e;
}

TEST(LoraAdapter, RejectsUnexpectedSuffix) {
  const Base base;
  const fs::path path =
      rewrite_file(valid_adapter(base), "suffix.gguf",
                   [](const gguf::GgufFile& in, const gguf::TensorInfo& t, gguf::GgufWriter& out) {
                     if (t.name != "blk.0.attn_q.weight.lora_a") return true;
                     const auto bytes = in.tensor_data(t);
                     out.add_tensor("blk.0.attn_q.weight.lora_x", t.type, {t.ne[0], t.ne[1]},
                                    std::vector<std::byte>(bytes.begin(), bytes.end()));
                     return false;
                   });
  const std::string e = load_error(base, path);
  EXPECT_NE(e.find("blk.0.attn_q.weight.lora_x"), std::string::npos) << e;
  EXPECT_NE(e.find("unexpected suffix"), std::string::npos) << e;
}

// Renames the pair of `from` (blk.0.attn_q by default) to `stem` (keeping the data).
fs::path renamed_pair(const Base& base, const std::string& file, const std::string& stem,
                      const std::string& from = "blk.0.attn_q.weight") {
  return rewrite_file(
      valid_adapter(base), file,
      [stem, from](const gguf::GgufFile& in, const gguf::TensorInfo& t, gguf::GgufWriter& out) {
        const std::string& old = from;
        if (!t.name.starts_with(old)) return true;
        const auto bytes = in.tensor_data(t);
        out.add_tensor(stem + t.name.substr(old.size()), t.type, {t.ne[0], t.ne[1]},
                       std::vector<std::byte>(bytes.begin(), bytes.end()));
        return false;
      });
}

TEST(LoraAdapter, RejectsUnknownBaseTensor) {
  const Base base;
  for (const std::string stem : {"blk.9.attn_q.weight", "blk.0.attn_qkv.weight", "foo.weight"}) {
    const std::string e = load_error(base, renamed_pair(base, "unknown.gguf", stem));
    EXPECT_NE(e.find(stem), std::string::npos) << e;
    EXPECT_NE(e.find("does not have"), std::string::npos) << e;
  }
}

TEST(LoraAdapter, RejectsEmbeddingAndOutputAdapters) {
  const Base base;
  for (const std::string stem : {"token_embd.weight", "output.weight"}) {
    const std::string e = load_error(base, renamed_pair(base, "embd.gguf", stem));
    EXPECT_NE(e.find(stem), std::string::npos) << e;
    EXPECT_NE(e.find("not supported"), std::string::npos) << e;
  }
}

TEST(LoraAdapter, RejectsShapeMismatch) {
  const Base base;
  // attn_q's pair on attn_k (96 -> 32 rows): B.ne1 != W.ne1.
  const std::string e1 = load_error(base, renamed_pair(base, "shape1.gguf", "blk.0.attn_k.weight"));
  EXPECT_NE(e1.find("blk.0.attn_k.weight.lora_b"), std::string::npos) << e1;
  EXPECT_NE(e1.find("do not fit"), std::string::npos) << e1;
  // ffn_down's pair (n_in 160) on attn_output (n_in 96): A.ne0 != W.ne0.
  const std::string e2 = load_error(
      base, renamed_pair(base, "shape2.gguf", "blk.0.attn_output.weight", "blk.0.ffn_down.weight"));
  EXPECT_NE(e2.find("do not fit"), std::string::npos) << e2;
  // Ranks that disagree: A with 4 rows, B with 8 columns.
  const fs::path rank = rewrite_file(
      valid_adapter(base), "rank.gguf",
      [](const gguf::GgufFile& in, const gguf::TensorInfo& t, gguf::GgufWriter& out) {
        if (t.name != "blk.0.attn_q.weight.lora_a") return true;
        const auto bytes = in.tensor_data(t);
        out.add_tensor(t.name, t.type, {t.ne[0], 4},
                       std::vector<std::byte>(bytes.begin(), bytes.begin() + bytes.size() / 2));
        return false;
      });
  const std::string e3 = load_error(base, rank);
  EXPECT_NE(e3.find("blk.0.attn_q.weight.lora_a"), std::string::npos) << e3;
  EXPECT_NE(e3.find("rank"), std::string::npos) << e3;
}

TEST(LoraSynth, IsDeterministicAndRejectsBadOptions) {
  const Base base;
  const LoraSynthOptions o{.rank = 4, .targets = {LoraRole::AttnK}, .seed = 9};
  const fs::path a = write_adapter(base, "det_a.gguf", o);
  const fs::path b = write_adapter(base, "det_b.gguf", o);
  const gguf::GgufFile fa = gguf::GgufFile::open(a), fb = gguf::GgufFile::open(b);
  ASSERT_EQ(fa.file_size(), fb.file_size());
  const auto ta = fa.tensor_data(fa.tensor("blk.1.attn_k.weight.lora_a"));
  const auto tb = fb.tensor_data(fb.tensor("blk.1.attn_k.weight.lora_a"));
  EXPECT_TRUE(std::equal(ta.begin(), ta.end(), tb.begin()));
  EXPECT_THROW(write_adapter(base, "bad.gguf", LoraSynthOptions{.rank = 0}), std::invalid_argument);
  EXPECT_THROW(write_adapter(base, "bad.gguf", LoraSynthOptions{.targets = {}}),
               std::invalid_argument);
  EXPECT_THROW(write_adapter(base, "bad.gguf", LoraSynthOptions{.type = gguf::GgmlType::Q4_K}),
               std::invalid_argument);
  EXPECT_THROW(write_adapter(base, "bad.gguf", LoraSynthOptions{.layer_begin = 5}),
               std::invalid_argument);
}

}  // namespace
}  // namespace etchsim::model
