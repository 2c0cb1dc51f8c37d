// Every way a GGUF file can be broken must end in a GgufError that says what and where —
// never a crash, a huge allocation or a silent misread (docs/formats.md §1.3).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>

#include "etchsim/gguf/error.hpp"
#include "etchsim/gguf/reader.hpp"
#include "raw_gguf_builder.hpp"

namespace etchsim::gguf::testing {
namespace {

// Parses `bytes`, expects a GgufError whose message contains every one of `needles`.
void expect_error(const std::vector<std::byte>& bytes,
                  std::initializer_list<std::string_view> needles) {
  try {
    parse(bytes);
    ADD_FAILURE() << "no GgufError; expected one mentioning '" << *needles.begin() << "'";
  } catch (const GgufError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("test.gguf"), std::string::npos) << what;
    for (std::string_view needle : needles) {
      EXPECT_NE(what.find(needle), std::string::npos) << "'" << needle << "' not in: " << what;
    }
  }
}

// A file with one tensor info and its data; the caller supplies the info fields.
std::vector<std::byte> one_tensor(std::vector<int64_t> ne, int32_t type, uint64_t data_bytes = 32,
                                  std::string_view name = "t") {
  RawGguf f;
  f.header(1, 0).tensor(name, std::move(ne), type, 0).pad_to(32).zeros(data_bytes);
  return f.bytes();
}

TEST(Malformed, EveryTruncationThrows) {
  const auto file = small_valid_file();
  ASSERT_NO_THROW(parse(file));
  for (size_t n = 0; n < file.size(); ++n) {
    const std::vector<std::byte> prefix(file.begin(), file.begin() + static_cast<ptrdiff_t>(n));
    EXPECT_THROW(parse(prefix), GgufError) << "prefix of " << n << " bytes";
  }
}

TEST(Malformed, TruncatedMagicMentionsEndOfFile) {
  expect_error(RawGguf().raw("GG").bytes(), {"at byte 0", "end of file", "magic"});
}

TEST(Malformed, BadMagic) { expect_error(RawGguf().raw("GGUX").u32(3).bytes(), {"bad magic"}); }

TEST(Malformed, Version0) { expect_error(RawGguf().header(0, 0, 0).bytes(), {"version 0"}); }

TEST(Malformed, Version1) { expect_error(RawGguf().header(0, 0, 1).bytes(), {"version 1"}); }

TEST(Malformed, Version4) { expect_error(RawGguf().header(0, 0, 4).bytes(), {"version 4"}); }

TEST(Malformed, BigEndianVersion) {
  // Version 3 written big-endian reads as 0x03000000 on a little-endian host.
  expect_error(RawGguf().header(0, 0, 0x03000000).bytes(), {"big-endian", "at byte 4"});
}

TEST(Malformed, HugeTensorCount) {
  expect_error(RawGguf().header(int64_t{1} << 40, 0).bytes(), {"n_tensors", "at byte 8"});
}

TEST(Malformed, NegativeTensorCount) {
  expect_error(RawGguf().header(-1, 0).bytes(), {"n_tensors", "negative"});
}

TEST(Malformed, HugeKvCount) {
  expect_error(RawGguf().header(0, std::numeric_limits<int64_t>::max()).bytes(),
               {"n_kv", "at byte 16"});
}

TEST(Malformed, EmptyKey) {
  expect_error(RawGguf().header(0, 1).kv_u32("", 1).bytes(), {"key is empty", "at byte 24"});
}

TEST(Malformed, DuplicateKey) {
  expect_error(RawGguf().header(0, 2).kv_u32("a.b", 1).kv_u32("a.b", 2).bytes(),
               {"duplicate key 'a.b'"});
}

TEST(Malformed, ValueType13) {
  expect_error(RawGguf().header(0, 1).str("k").i32(13).u32(0).bytes(),
               {"key 'k'", "invalid value type 13"});
}

TEST(Malformed, NegativeValueType) {
  expect_error(RawGguf().header(0, 1).str("k").i32(-1).u32(0).bytes(), {"invalid value type -1"});
}

TEST(Malformed, ArrayOfInvalidType) {
  expect_error(RawGguf().header(0, 1).str("arr").i32(kArray).i32(77).u64(0).bytes(),
               {"key 'arr'", "invalid value type 77"});
}

TEST(Malformed, HugeArrayCount) {
  expect_error(
      RawGguf().header(0, 1).str("arr").i32(kArray).i32(kU32).u64(uint64_t{1} << 40).bytes(),
      {"key 'arr'", "array of"});
}

TEST(Malformed, ArrayCountJustPastTheEnd) {
  // Three u32 need 12 bytes; 11 remain.
  expect_error(RawGguf().header(0, 1).str("arr").i32(kArray).i32(kU32).u64(3).zeros(11).bytes(),
               {"key 'arr'", "11 bytes"});
}

TEST(Malformed, HugeStringArrayCount) {
  // Each string needs at least its 8-byte length.
  expect_error(RawGguf().header(0, 1).str("toks").i32(kArray).i32(kString).u64(4).zeros(31).bytes(),
               {"key 'toks'", "array of 4 string"});
}

TEST(Malformed, StringLengthPastTheEnd) {
  expect_error(RawGguf().header(0, 1).str("k").i32(kString).u64(100).raw("short").bytes(),
               {"key 'k'", "past the end"});
}

TEST(Malformed, TruncatedStringLengthInAnArrayNamesTheKey) {
  // Two strings pass the count check (16 bytes remain); the second's 8-byte length is cut at 6.
  expect_error(
      RawGguf().header(0, 1).str("toks").i32(kArray).i32(kString).u64(2).str("ab").zeros(6).bytes(),
      {"unexpected end of file reading the length of the value of key 'toks'", "6 remain"});
}

TEST(Malformed, TruncatedScalarNamesTheKey) {
  expect_error(RawGguf().header(0, 1).str("k").i32(kU32).zeros(2).bytes(),
               {"unexpected end of file reading the value of key 'k'", "needs 4 bytes, 2 remain"});
}

TEST(Malformed, StringLengthOver1GiB) {
  expect_error(RawGguf().header(0, 1).str("k").i32(kString).u64((uint64_t{1} << 30) + 1).bytes(),
               {"1 GiB"});
}

TEST(Malformed, KeyLengthHuge) {
  expect_error(RawGguf().header(0, 1).u64(~uint64_t{0}).zeros(16).bytes(),
               {"metadata key", "1 GiB"});
}

TEST(Malformed, NestedArrayDepthBomb) {
  RawGguf f;
  f.header(0, 1).str("bomb").i32(kArray);
  for (int i = 0; i < 10000; ++i) f.i32(kArray).u64(1);
  f.i32(kU8).u64(0);
  expect_error(f.bytes(), {"key 'bomb'", "nested deeper"});
}

TEST(Malformed, AlignmentAsU64) {
  expect_error(RawGguf().header(0, 1).kv_u64("general.alignment", 32).bytes(),
               {"general.alignment", "uint64", "expected uint32"});
}

TEST(Malformed, AlignmentZero) {
  expect_error(RawGguf().header(0, 1).kv_u32("general.alignment", 0).bytes(),
               {"general.alignment", "power of 2"});
}

TEST(Malformed, AlignmentThree) {
  expect_error(RawGguf().header(0, 1).kv_u32("general.alignment", 3).bytes(),
               {"general.alignment", "is 3"});
}

TEST(Malformed, TensorName64Bytes) {
  expect_error(one_tensor({8}, 0, 32, std::string(64, 'n')), {"64 bytes", "more than 63"});
}

TEST(Malformed, EmptyTensorName) {
  expect_error(one_tensor({8}, 0, 32, ""), {"tensor name is empty"});
}

TEST(Malformed, DuplicateTensorName) {
  RawGguf f;
  f.header(2, 0).tensor("w", {8}, 0, 0).tensor("w", {8}, 0, 32).pad_to(32).zeros(64);
  expect_error(f.bytes(), {"duplicate tensor name 'w'"});
}

TEST(Malformed, FiveDimensions) {
  expect_error(one_tensor({1, 1, 1, 1, 8}, 0), {"tensor 't'", "5 dimensions"});
}

TEST(Malformed, ZeroDimensions) { expect_error(one_tensor({}, 0), {"tensor 't'", "0 dimensions"}); }

TEST(Malformed, NegativeNe) { expect_error(one_tensor({8, -2}, 0), {"negative ne[1] = -2"}); }

TEST(Malformed, ElementCountOverflow) {
  expect_error(one_tensor({int64_t{1} << 32, int64_t{1} << 32}, 0), {"overflows int64"});
}

TEST(Malformed, ByteSizeOverflow) {
  // 2^62 f32 elements fit in int64, their 2^64 bytes do not fit in uint64.
  expect_error(one_tensor({int64_t{1} << 62}, 0), {"byte size that overflows uint64"});
}

TEST(Malformed, UnknownTypeId99) { expect_error(one_tensor({32}, 99), {"type id 99"}); }

TEST(Malformed, RemovedTypeId4) { expect_error(one_tensor({32}, 4), {"removed ggml type id 4"}); }

TEST(Malformed, NegativeTypeId) { expect_error(one_tensor({32}, -3), {"type id -3"}); }

TEST(Malformed, Ne0NotMultipleOfBlockSize) {
  expect_error(one_tensor({48}, 2), {"ne[0] = 48", "block size 32"});
}

TEST(Malformed, TensorDataBeyondEnd) {
  // 16 f32 = 64 bytes, only 32 present.
  expect_error(one_tensor({16}, 0, 32), {"tensor 't'", "beyond the end"});
}

TEST(Malformed, TensorOffsetBeyondEnd) {
  RawGguf f;
  f.header(1, 0).tensor("far", {8}, 0, uint64_t{1} << 63).pad_to(32).zeros(32);
  expect_error(f.bytes(), {"tensor 'far'", "beyond the end"});
}

TEST(Malformed, DataSectionStartsBeyondEnd) {
  RawGguf f;
  f.header(1, 0).tensor("t", {0}, 0, 0);  // an empty tensor, but no padding after the infos
  expect_error(f.bytes(), {"data section starts at 64", "beyond the end"});
}

TEST(Malformed, UnalignedOffset) {
  RawGguf f;
  f.header(2, 0).tensor("a", {4}, 0, 0).tensor("b", {4}, 0, 16).pad_to(32).zeros(64);
  expect_error(f.bytes(), {"tensor 'b'", "offset 16", "alignment 32"});
}

TEST(Malformed, OverlappingTensors) {
  RawGguf f;
  f.header(2, 0).tensor("a", {16}, 0, 32).tensor("b", {16}, 0, 0).pad_to(32).zeros(96);
  expect_error(f.bytes(), {"'b'", "'a'", "overlap"});
}

TEST(Malformed, OverlapRespectsCustomAlignment) {
  RawGguf f;
  f.header(2, 1)
      .kv_u32("general.alignment", 8)
      .tensor("a", {2}, 0, 0)
      .tensor("b", {2}, 0, 8)
      .pad_to(8)
      .zeros(16);
  EXPECT_NO_THROW(parse(f.bytes()));
  RawGguf g;
  g.header(3, 1)
      .kv_u32("general.alignment", 8)
      .tensor("a", {2}, 0, 0)
      .tensor("b", {2}, 0, 8)
      .tensor("c", {2}, 0, 8)  // same offset as b
      .pad_to(8)
      .zeros(16);
  expect_error(g.bytes(), {"overlap"});
}

TEST(Malformed, EmptyFileOnDisk) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("etchsim_empty_" + std::to_string(::getpid()) + ".gguf");
  std::ofstream(path).close();
  try {
    GgufFile::open(path);
    ADD_FAILURE() << "empty file accepted";
  } catch (const GgufError& e) {
    EXPECT_NE(std::string(e.what()).find("empty"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

TEST(Malformed, MissingFile) {
  EXPECT_THROW(GgufFile::open("/nonexistent/etchsim/model.gguf"), GgufError);
}

TEST(Malformed, DirectoryIsNotAFile) {
  EXPECT_THROW(GgufFile::open(std::filesystem::temp_directory_path()), GgufError);
}

// Random byte flips, overwrites and truncations of a valid file: each copy either parses or
// throws GgufError. ASan/UBSan builds turn any out-of-bounds read into a failure.
TEST(Malformed, RandomMutationFuzz) {
  const auto base = small_valid_file();
  std::mt19937_64 rng(0x6767'7566);
  std::uniform_int_distribution<size_t> pos(0, base.size() - 1);
  std::uniform_int_distribution<int> byte(0, 255);
  int rejected = 0;
  for (int iter = 0; iter < 5000; ++iter) {
    std::vector<std::byte> bytes = base;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 4) {
        case 0:  // flip one bit
          bytes[pos(rng) % bytes.size()] ^= std::byte{static_cast<uint8_t>(1u << (rng() % 8))};
          break;
        case 1:  // random byte
          bytes[pos(rng) % bytes.size()] = std::byte{static_cast<uint8_t>(byte(rng))};
          break;
        case 2:  // 0xFF into a high byte, which turns counts and lengths huge
          bytes[pos(rng) % bytes.size()] = std::byte{0xFF};
          break;
        default:  // truncate
          bytes.resize(1 + pos(rng) % bytes.size());
          break;
      }
    }
    try {
      parse(bytes);
    } catch (const GgufError&) {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 1000);
}

}  // namespace
}  // namespace etchsim::gguf::testing
