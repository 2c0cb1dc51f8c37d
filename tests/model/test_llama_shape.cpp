#include <gtest/gtest.h>

#include "etchsim/model/llama_shape.hpp"

namespace etchsim::model {

TEST(LlamaShape, Llama31_8bHas8_03BParameters) {
  const auto shape = named_shape("llama-3.1-8b");
  ASSERT_TRUE(shape);
  shape->validate();
  EXPECT_EQ(shape->n_params(), 8030261312u);  // published count for Llama 3.1 8B
  EXPECT_EQ(shape->head_dim(), 128u);
}

TEST(LlamaShape, InconsistentShapesAreRejected) {
  LlamaShape s = *named_shape("tiny");
  s.n_head_kv = 3;
  EXPECT_THROW(s.validate(), std::invalid_argument);
  s = *named_shape("tiny");
  s.n_embd = 66;
  EXPECT_THROW(s.validate(), std::invalid_argument);
}

}  // namespace etchsim::model
