// Reading valid files, including ones laid out as other writers (gguf-py) produce them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "etchsim/gguf/error.hpp"
#include "etchsim/gguf/reader.hpp"
#include "raw_gguf_builder.hpp"

namespace etchsim::gguf::testing {
namespace {

std::string error_of(auto&& f) {
  try {
    f();
  } catch (const GgufError& e) {
    return e.what();
  }
  return "no GgufError";
}

TEST(Reader, SmallFileFields) {
  const auto bytes = small_valid_file();
  const GgufFile f = parse(bytes);
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.alignment(), 32u);
  EXPECT_EQ(f.file_size(), bytes.size());
  EXPECT_EQ(f.get_string("general.architecture"), "llama");
  EXPECT_EQ(f.get_u32("llama.block_count"), 2u);
  EXPECT_FLOAT_EQ(f.get_f32("llama.attention.layer_norm_rms_epsilon"), 1e-5f);
  const Array& tokens = f.get_array("tokenizer.ggml.tokens");
  EXPECT_EQ(tokens.elem_type, ValueType::STRING);
  ASSERT_EQ(tokens.elems.size(), 3u);
  EXPECT_EQ(tokens.elems[1], Value(""));
  ASSERT_EQ(f.metadata().size(), 4u);
  EXPECT_EQ(f.metadata()[0].first, "general.architecture");  // file order
  EXPECT_EQ(f.metadata()[3].first, "tokenizer.ggml.tokens");

  ASSERT_EQ(f.tensors().size(), 2u);
  const TensorInfo& q = f.tensor("blk.0.q");
  EXPECT_EQ(q.type, GgmlType::Q4_0);
  EXPECT_EQ(q.n_dims, 1u);
  EXPECT_EQ(q.nbytes, 18u);
  EXPECT_EQ(q.file_offset, f.data_offset());
  const TensorInfo& norm = f.tensor("blk.0.norm");
  EXPECT_EQ(norm.n_dims, 2u);
  EXPECT_EQ(norm.ne[0], 8);
  EXPECT_EQ(norm.ne[1], 2);
  EXPECT_EQ(norm.ne[2], 1);
  EXPECT_EQ(norm.n_rows(), 2);
  EXPECT_EQ(norm.offset, 32u);
  EXPECT_EQ(norm.nbytes, 64u);
  EXPECT_EQ(f.data_offset() % 32, 0u);
}

// `bytes` copied to `shift` bytes past a 64-byte aligned address.
struct PlacedBytes {
  std::unique_ptr<std::byte[], decltype(&std::free)> storage{nullptr, &std::free};
  std::span<const std::byte> span;
};
PlacedBytes place(const std::vector<std::byte>& bytes, size_t shift) {
  PlacedBytes p;
  const size_t size = (bytes.size() + shift + 63) / 64 * 64;
  p.storage.reset(static_cast<std::byte*>(std::aligned_alloc(64, size)));
  std::memcpy(p.storage.get() + shift, bytes.data(), bytes.size());
  p.span = {p.storage.get() + shift, bytes.size()};
  return p;
}

// Bytes at an aligned address (as a mapped file's are) are not copied.
TEST(Reader, TensorDataIsZeroCopy) {
  const PlacedBytes bytes = place(small_valid_file(), 0);
  const GgufFile f = GgufFile::parse(bytes.span, "test.gguf");
  const auto data = f.tensor_data(f.tensor("blk.0.norm"));
  EXPECT_EQ(data.data(), bytes.span.data() + f.tensor("blk.0.norm").file_offset);
  ASSERT_EQ(data.size(), 64u);
  for (std::byte b : data) EXPECT_EQ(b, std::byte{0x22});
  const auto q = f.tensor_data(f.tensor("blk.0.q"));
  ASSERT_EQ(q.size(), 18u);
  EXPECT_EQ(q[17], std::byte{0x11});
}

// Bytes at an odd address: every tensor is read from an aligned copy with the same content, so
// no float or block is read misaligned (UBSan checks the readers that use them).
TEST(Reader, TensorDataAtOddAddressesIsAlignedCopy) {
  const std::vector<std::byte> file = small_valid_file();
  const PlacedBytes bytes = place(file, 1);
  const GgufFile f = GgufFile::parse(bytes.span, "test.gguf");
  for (const TensorInfo& t : f.tensors()) {
    const auto data = f.tensor_data(t);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(data.data()) % kTensorDataAlignment, 0u) << t.name;
    EXPECT_NE(data.data(), bytes.span.data() + t.file_offset) << t.name;
    ASSERT_EQ(data.size(), t.nbytes);
    EXPECT_EQ(std::memcmp(data.data(), file.data() + t.file_offset, t.nbytes), 0) << t.name;
    // The same copy when the TensorInfo is not the file's own (looked up by name).
    const TensorInfo copy = t;
    EXPECT_EQ(f.tensor_data(copy).data(), data.data()) << t.name;
  }
}

TEST(Reader, OpenMapsTheFile) {
  const auto bytes = small_valid_file();
  const auto path = std::filesystem::temp_directory_path() /
                    ("etchsim_reader_" + std::to_string(::getpid()) + ".gguf");
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  {
    GgufFile f = GgufFile::open(path);
    GgufFile moved = std::move(f);  // the mapping moves with it
    EXPECT_EQ(moved.name(), path.string());
    const auto data = moved.tensor_data(moved.tensor("blk.0.q"));
    EXPECT_EQ(std::memcmp(data.data(), bytes.data() + moved.data_offset(), 18), 0);
  }
  std::filesystem::remove(path);
}

// release_pages drops the mapped pages of a tensor from the resident set; the bytes read the same
// afterwards. On a file parsed from caller bytes it does nothing (MADV_DONTNEED on those would
// zero them).
TEST(Reader, ReleasedPagesReadTheSame) {
  const auto bytes = small_valid_file();
  const auto path = std::filesystem::temp_directory_path() /
                    ("etchsim_release_" + std::to_string(::getpid()) + ".gguf");
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  const GgufFile mapped = GgufFile::open(path);
  const GgufFile parsed = parse(bytes);
  for (const GgufFile* f : {&mapped, &parsed}) {
    for (const TensorInfo& t : f->tensors()) {
      const auto data = f->tensor_data(t);
      f->release_pages(data);
      ASSERT_EQ(data.size(), t.nbytes);
      EXPECT_EQ(std::memcmp(data.data(), bytes.data() + t.file_offset, t.nbytes), 0) << t.name;
    }
  }
  std::filesystem::remove(path);
}

TEST(Reader, TypedAccessorErrorsNameKeyAndTypes) {
  const auto bytes = small_valid_file();
  const GgufFile f = parse(bytes);
  EXPECT_NE(error_of([&] {
              f.get_u32("general.architecture");
            }).find("key 'general.architecture' has type string, expected uint32"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              f.get_string("llama.block_count");
            }).find("key 'llama.block_count' has type uint32, expected string"),
            std::string::npos);
  EXPECT_NE(error_of([&] { f.get_u64("llama.block_count"); }).find("expected uint64"),
            std::string::npos);
  EXPECT_NE(error_of([&] { f.get_array("llama.block_count"); }).find("expected array"),
            std::string::npos);
  EXPECT_NE(error_of([&] { f.get_i32("nope"); }).find("key 'nope' not found"), std::string::npos);
  EXPECT_THROW(f.get_bool("nope"), GgufError);
  EXPECT_THROW(f.get("nope"), GgufError);
  EXPECT_FALSE(f.has("nope"));
  EXPECT_TRUE(f.has("llama.block_count"));
  EXPECT_EQ(f.find("nope"), nullptr);
}

TEST(Reader, MissingTensor) {
  const auto bytes = small_valid_file();
  const GgufFile f = parse(bytes);
  EXPECT_EQ(f.find_tensor("output.weight"), nullptr);
  EXPECT_NE(error_of([&] { f.tensor("output.weight"); }).find("tensor 'output.weight' not found"),
            std::string::npos);
}

// gguf-py writes v2/v3 files with its own key order, general.alignment late, extra keys and
// tensors whose offsets it computes itself.
TEST(Reader, GgufPyStyleV2File) {
  RawGguf f;
  f.header(2, 5, 2)
      .kv_str("general.name", "tiny")
      .str("general.file_type")
      .i32(kU32)
      .u32(7)
      .kv_u32("general.alignment", 64)
      .str("custom.flag")
      .i32(kBool)
      .u8(2)  // any non-zero byte is true
      .str("custom.scores")
      .i32(kArray)
      .i32(kF32)
      .u64(2)
      .f32(0.5f)
      .f32(-1.0f)
      .tensor("token_embd.weight", {32, 2}, 8, 0)  // Q8_0: 2 rows of 34 bytes
      .tensor("output_norm.weight", {32}, 0, 128)
      .pad_to(64)
      .fill(68, 0xAB)
      .zeros(60)
      .fill(128, 0xCD);
  const GgufFile g = parse(f.bytes());
  EXPECT_EQ(g.version(), 2u);
  EXPECT_EQ(g.alignment(), 64u);
  EXPECT_EQ(g.data_offset() % 64, 0u);
  EXPECT_TRUE(g.get_bool("custom.flag"));
  EXPECT_EQ(g.get_array("custom.scores").elems[1], Value(-1.0f));
  EXPECT_EQ(g.tensor("token_embd.weight").nbytes, 68u);
  EXPECT_EQ(g.tensor_data(g.tensor("output_norm.weight"))[0], std::byte{0xCD});
}

TEST(Reader, GapsBetweenTensorsAreAccepted) {
  // Contiguity is not required, only alignment, bounds and no overlap.
  RawGguf f;
  f.header(2, 0).tensor("b", {8}, 0, 96).tensor("a", {8}, 0, 0).pad_to(32).zeros(128);
  const GgufFile g = parse(f.bytes());
  EXPECT_EQ(g.tensor("b").file_offset, g.data_offset() + 96);
}

TEST(Reader, MetadataOnlyFileNeedsNoPadding) {
  // docs/formats.md §8 pitfall 3: with no tensors, the data section is never sought.
  RawGguf f;
  f.header(0, 1).kv_u32("general.alignment", 1024);
  const GgufFile g = parse(f.bytes());
  EXPECT_TRUE(g.tensors().empty());
  EXPECT_EQ(g.alignment(), 1024u);
  EXPECT_EQ(g.file_size(), f.size());
}

TEST(Reader, EmptyTensorIsAccepted) {
  // ne == 0 is accepted as gguf.cpp does; the tensor has no bytes and overlaps nothing.
  RawGguf f;
  f.header(2, 0).tensor("empty", {0, 4}, 0, 0).tensor("x", {8}, 0, 0).pad_to(32).zeros(32);
  const GgufFile g = parse(f.bytes());
  EXPECT_EQ(g.tensor("empty").nbytes, 0u);
  EXPECT_TRUE(g.tensor_data(g.tensor("empty")).empty());
}

TEST(Reader, ErrorCarriesOffsetAndFile) {
  RawGguf f;
  f.header(0, 1).kv_u32("", 1);
  try {
    parse(f.bytes());
    FAIL();
  } catch (const GgufError& e) {
    EXPECT_EQ(e.file(), "test.gguf");
    EXPECT_EQ(e.offset(), 24u);
  }
}

}  // namespace
}  // namespace etchsim::gguf::testing
