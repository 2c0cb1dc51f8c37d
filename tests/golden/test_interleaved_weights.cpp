// InterleavedWeights: golden's interleaved copies (interleaved_weights.hpp). Every matrix
// llama.cpp repacks (Q4_0 / Q4_K, rows % 8 == 0) gets one that reads back as the file's blocks, no
// other matrix does, and the file reads the same after its pages were released. GoldenModel's
// ScalarAndFastKernelsAgreeBitForBit checks the arithmetic on the copies.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "etchsim/golden/interleaved_weights.hpp"
#include "etchsim/numerics/repack.hpp"
#include "tiny_models.hpp"

namespace etchsim::golden {
namespace {

using model::QuantScheme;
using testing::synth_file;

// "small": every row a multiple of 256, so Q4_K keeps its type (tiny falls back to Q5_0 / Q4_0).
model::LlamaShape kquant_shape() {
  model::LlamaShape s = *model::named_shape("small");
  s.name = "interleaved-small";
  s.n_vocab = 512;
  s.n_ctx = 64;
  return s;
}

// One layer whose FFN matrices (2048 x 4608: 5.3 MB in Q4_0, 5.3 MB in Q4_K) exceed
// InterleavedWeights' 4 MiB chunks, so they are copied, and their file pages released, in two.
model::LlamaShape chunked_shape() {
  model::LlamaShape s = kquant_shape();
  s.name = "interleaved-chunked";
  s.n_layer = 1;
  s.n_embd = 2048;
  s.n_head = 16;
  s.n_head_kv = 4;
  s.n_ff = 4608;
  return s;
}

std::vector<const model::TensorView*> matrices(const model::LlamaModel& m) {
  std::vector<const model::TensorView*> out{&m.output()};
  for (const model::LayerWeights& l : m.layers()) {
    for (const model::TensorView* v :
         {&l.attn_q, &l.attn_k, &l.attn_v, &l.attn_output, &l.ffn_gate, &l.ffn_up, &l.ffn_down}) {
      out.push_back(v);
    }
  }
  return out;
}

class Interleaved : public ::testing::TestWithParam<QuantScheme> {};

TEST_P(Interleaved, EveryRepackedMatrixHasACopyOfItsBlocks) {
  for (const model::LlamaShape& shape : {kquant_shape(), chunked_shape()}) {
    SCOPED_TRACE(shape.name);
    const auto file = gguf::GgufFile::open(synth_file(GetParam(), shape));
    const model::LlamaModel model(file);
    // The file's bytes, read before any page is released.
    std::vector<std::vector<std::byte>> before;
    for (const model::TensorView* v : matrices(model))
      before.emplace_back(v->data.begin(), v->data.end());
    for (const numerics::CpuProfile profile :
         {numerics::CpuProfile::Haswell, numerics::CpuProfile::Zen4}) {
      const InterleavedWeights copies(model, profile);
      size_t interleaved = 0;
      const auto views = matrices(model);
      for (size_t i = 0; i < views.size(); ++i) {
        const model::TensorView& v = *views[i];
        ASSERT_EQ(std::memcmp(v.data.data(), before[i].data(), before[i].size()), 0) << i;
        const auto copy = copies.find(v);
        const numerics::DotOrder order = numerics::default_dot_order(v.type, v.rows, profile);
        ASSERT_EQ(!copy.empty(), numerics::has_interleaved_layout(v.type, order)) << i;
        if (copy.empty()) continue;
        ++interleaved;
        const int64_t blocks = v.cols / gguf::traits(v.type).block_elems;
        std::vector<std::byte> block(static_cast<size_t>(gguf::traits(v.type).block_bytes));
        for (int64_t r = 0; r < v.rows; ++r) {
          for (int64_t b = 0; b < blocks; ++b) {
            numerics::interleaved_block(v.type, copy, v.rows, v.cols, r, b, block);
            const std::byte* file_block =
                before[i].data() + static_cast<size_t>(r * blocks + b) * block.size();
            ASSERT_EQ(std::memcmp(block.data(), file_block, block.size()), 0)
                << "matrix " << i << " row " << r << " block " << b;
          }
        }
      }
      EXPECT_GT(interleaved, 0u);  // the shape's Q4_0 / Q4_K matrices have rows % 8 == 0
      EXPECT_GE(copies.bytes(), model.layers()[0].attn_q.data.size());
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Schemes, Interleaved,
                         ::testing::Values(QuantScheme::Q4_0, QuantScheme::Q4_K));

TEST(InterleavedWeights, NoneForOtherTypes) {
  const auto file = gguf::GgufFile::open(synth_file(QuantScheme::Q8_0));
  const model::LlamaModel model(file);
  const InterleavedWeights copies(model, numerics::kDefaultCpuProfile);
  EXPECT_EQ(copies.bytes(), 0u);
  for (const model::TensorView* v : matrices(model)) EXPECT_TRUE(copies.find(*v).empty());
}

}  // namespace
}  // namespace etchsim::golden
