#include <gtest/gtest.h>

#include "etchsim/gguf/ggml_type.hpp"

namespace etchsim::gguf {

TEST(GgmlType, RemovedAndUnknownIdsAreRejected) {
  for (int32_t id : {4, 5, 31, 32, 33, 36, 37, 38, 43, -1, 1000}) {
    EXPECT_FALSE(find_traits(id).has_value()) << id;
  }
}

TEST(GgmlType, BlockSizesMatchGgml) {
  EXPECT_EQ(traits(GgmlType::Q4_K).block_bytes, 144);
  EXPECT_EQ(traits(GgmlType::Q8_1).block_bytes, 36);  // C struct, not gguf-py's 40
  EXPECT_EQ(row_bytes(GgmlType::Q6_K, 512), 420u);
  EXPECT_EQ(row_bytes(GgmlType::F16, 3), 6u);
  EXPECT_THROW(row_bytes(GgmlType::Q4_0, 48), std::invalid_argument);
}

TEST(GgmlType, NamesRoundTripCaseInsensitively) {
  EXPECT_EQ(type_from_name("Q4_K"), GgmlType::Q4_K);
  EXPECT_EQ(type_from_name("bf16"), GgmlType::BF16);
  EXPECT_FALSE(type_from_name("q4_2").has_value());
}

}  // namespace etchsim::gguf
