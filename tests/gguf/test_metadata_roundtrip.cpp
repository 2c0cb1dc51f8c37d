// Every metadata value type survives GgufWriter -> bytes -> GgufFile unchanged, for v2 and v3
// and several alignments (docs/formats.md §1.2).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <tuple>

#include "etchsim/gguf/reader.hpp"
#include "etchsim/gguf/writer.hpp"
#include "raw_gguf_builder.hpp"

namespace etchsim::gguf::testing {
namespace {

// Keys and values of every kind the format has.
std::vector<std::pair<std::string, Value>> all_values() {
  Array nested;
  nested.elem_type = ValueType::ARRAY;
  nested.elems = {Value::array_of<int32_t>({1, -2}), Value::array_of<std::string>({"x", ""}),
                  Value::array_of<uint8_t>({})};
  Array deeper;
  deeper.elem_type = ValueType::ARRAY;
  deeper.elems = {Value(nested), Value(Array{ValueType::FLOAT64, {}})};
  Array empty_strings;
  empty_strings.elem_type = ValueType::STRING;

  return {
      {"t.u8", uint8_t{255}},
      {"t.i8", int8_t{-128}},
      {"t.u16", uint16_t{65535}},
      {"t.i16", int16_t{-32768}},
      {"t.u32", uint32_t{4000000000u}},
      {"t.i32", int32_t{-2000000000}},
      {"t.f32", 3.25f},
      {"t.bool.true", true},
      {"t.bool.false", false},
      {"t.string", "héllo wörld"},
      {"t.string.empty", ""},
      {"t.u64", std::numeric_limits<uint64_t>::max()},
      {"t.i64", std::numeric_limits<int64_t>::min()},
      {"t.f64", -1.0e300},
      {"a.u8", Value::array_of<uint8_t>({0, 1, 255})},
      {"a.i8", Value::array_of<int8_t>({-1, 127})},
      {"a.u16", Value::array_of<uint16_t>({7, 65535})},
      {"a.i16", Value::array_of<int16_t>({-7})},
      {"a.u32", Value::array_of<uint32_t>({1, 2, 3})},
      {"a.i32", Value::array_of<int32_t>({-1, 0, 1})},
      {"a.f32", Value::array_of<float>({0.5f, -0.0f, std::numeric_limits<float>::infinity()})},
      {"a.bool", Value::array_of<bool>({true, false, true})},
      {"a.string", Value::array_of<std::string>({"Ġthe", "", "<|eot_id|>"})},
      {"a.u64", Value::array_of<uint64_t>({uint64_t{1} << 63})},
      {"a.i64", Value::array_of<int64_t>({-5, 5})},
      {"a.f64", Value::array_of<double>({1e-300})},
      {"a.empty.u32", Value::array_of<uint32_t>({})},
      {"a.empty.string", Value(empty_strings)},
      {"a.nested", Value(nested)},
      {"a.nested.deeper", Value(deeper)},
  };
}

class MetadataRoundTrip : public ::testing::TestWithParam<std::tuple<uint32_t, uint32_t>> {};

TEST_P(MetadataRoundTrip, EveryTypeSurvives) {
  const auto [version, alignment] = GetParam();
  GgufWriter w(alignment);
  const auto values = all_values();
  for (const auto& [k, v] : values) w.set(k, v);
  std::vector<std::byte> tensor(3 * 34);
  for (size_t i = 0; i < tensor.size(); ++i) tensor[i] = std::byte{static_cast<uint8_t>(i * 7)};
  w.add_tensor("blk.0.attn_q.weight", GgmlType::Q8_0, {32, 3}, tensor);
  w.add_tensor("blk.0.attn_norm.weight", GgmlType::F32, {5},
               std::vector<std::byte>(20, std::byte{9}));

  const auto bytes = w.to_bytes(version);
  EXPECT_EQ(bytes.size(), w.total_bytes());
  const GgufFile f = parse(bytes);
  EXPECT_EQ(f.version(), version);
  EXPECT_EQ(f.alignment(), alignment);

  // general.alignment comes first, as UINT32, only when it is not the default.
  size_t first = 0;
  if (alignment != 32) {
    ASSERT_EQ(f.metadata().at(0).first, "general.alignment");
    EXPECT_EQ(f.metadata().at(0).second, Value(alignment));
    first = 1;
  } else {
    EXPECT_FALSE(f.has("general.alignment"));
  }
  ASSERT_EQ(f.metadata().size(), values.size() + first);
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(f.metadata()[i + first].first, values[i].first);  // insertion order
    EXPECT_EQ(f.metadata()[i + first].second, values[i].second) << values[i].first;
  }

  const auto q = f.tensor_data(f.tensor("blk.0.attn_q.weight"));
  ASSERT_EQ(q.size(), tensor.size());
  // Zero-copy where the bytes lie aligned; otherwise (alignment 1, or a vector's address) an
  // aligned copy.
  const std::byte* in_file = bytes.data() + f.tensor("blk.0.attn_q.weight").file_offset;
  if (reinterpret_cast<uintptr_t>(in_file) % kTensorDataAlignment == 0) {
    EXPECT_EQ(q.data(), in_file);
  } else {
    EXPECT_EQ(reinterpret_cast<uintptr_t>(q.data()) % kTensorDataAlignment, 0u);
  }
  EXPECT_EQ(std::memcmp(q.data(), tensor.data(), tensor.size()), 0);
  EXPECT_EQ(f.tensor_data(f.tensor("blk.0.attn_norm.weight"))[19], std::byte{9});
  EXPECT_EQ(f.data_offset() % alignment, 0u);
  EXPECT_EQ(f.tensor("blk.0.attn_norm.weight").offset,
            (102 + alignment - 1) / alignment * alignment);
}

INSTANTIATE_TEST_SUITE_P(VersionsAndAlignments, MetadataRoundTrip,
                         ::testing::Combine(::testing::Values(2u, 3u),
                                            ::testing::Values(32u, 64u, 1u)),
                         [](const auto& p) {
                           return fmt::format("v{}_align{}", std::get<0>(p.param),
                                              std::get<1>(p.param));
                         });

TEST(MetadataRoundTripExtra, ZeroTensors) {
  GgufWriter w;
  w.set("general.architecture", "llama");
  const auto bytes = w.to_bytes();
  const GgufFile f = parse(bytes);
  EXPECT_TRUE(f.tensors().empty());
  EXPECT_EQ(f.get_string("general.architecture"), "llama");
  EXPECT_EQ(bytes.size() % 32, 0u);  // the writer always pads
}

TEST(MetadataRoundTripExtra, NothingAtAll) {
  const GgufWriter w(64);
  const GgufFile f = parse(w.to_bytes(2));
  EXPECT_EQ(f.metadata().size(), 1u);
  EXPECT_EQ(f.get_u32("general.alignment"), 64u);
}

TEST(MetadataRoundTripExtra, LargeStringArray) {
  std::vector<std::string> tokens;
  for (int i = 0; i < 20000; ++i) tokens.push_back("tok" + std::to_string(i));
  GgufWriter w;
  w.set("tokenizer.ggml.tokens", Value::array_of(tokens));
  const auto bytes = w.to_bytes();
  const GgufFile f = parse(bytes);
  const Array& a = f.get_array("tokenizer.ggml.tokens");
  ASSERT_EQ(a.elems.size(), tokens.size());
  EXPECT_EQ(std::get<std::string>(a.elems[12345].data), "tok12345");
}

}  // namespace
}  // namespace etchsim::gguf::testing
