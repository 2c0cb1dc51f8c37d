// GgufWriter: layout as gguf.cpp expects (docs/formats.md §1.1, §8 pitfall 1), argument
// validation, streaming of large tensors in parallel chunks, and atomic writes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <string>

#include "etchsim/gguf/reader.hpp"
#include "etchsim/gguf/writer.hpp"
#include "raw_gguf_builder.hpp"

namespace etchsim::gguf::testing {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test, removed afterwards.
class WriterFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    m_dir = fs::temp_directory_path() /
            ("etchsim_writer_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(m_dir);
    fs::create_directories(m_dir);
  }
  void TearDown() override { fs::remove_all(m_dir); }
  size_t entries() const {
    return static_cast<size_t>(
        std::distance(fs::directory_iterator(m_dir), fs::directory_iterator()));
  }
  fs::path m_dir;
};

// Byte i of a tensor's data is a function of i, so chunk boundaries are checked exactly.
std::byte pattern(uint64_t i) { return std::byte{static_cast<uint8_t>((i * 131) ^ (i >> 9))}; }

TensorFill pattern_fill(uint64_t row_bytes) {
  return [row_bytes](int64_t row_begin, std::span<std::byte> out) {
    const uint64_t base = static_cast<uint64_t>(row_begin) * row_bytes;
    for (size_t i = 0; i < out.size(); ++i) out[i] = pattern(base + i);
  };
}

TEST(Writer, LayoutIsTheRunningPaddedSum) {
  GgufWriter w;
  w.add_tensor("a", GgmlType::Q4_0, {32}, std::vector<std::byte>(18, std::byte{1}));
  w.add_tensor("b", GgmlType::F16, {3, 2}, std::vector<std::byte>(12, std::byte{2}));
  w.add_tensor("c", GgmlType::Q6_K, {256}, std::vector<std::byte>(210, std::byte{3}));
  const auto bytes = w.to_bytes();
  const GgufFile f = parse(bytes);
  EXPECT_EQ(f.tensor("a").offset, 0u);
  EXPECT_EQ(f.tensor("b").offset, 32u);
  EXPECT_EQ(f.tensor("c").offset, 64u);
  // Zero padding after every tensor, including the last one.
  EXPECT_EQ(bytes.size(), f.data_offset() + 64 + 224);
  for (uint64_t i = 18; i < 32; ++i) EXPECT_EQ(bytes[f.data_offset() + i], std::byte{0});
  for (uint64_t i = 64 + 210; i < 64 + 224; ++i)
    EXPECT_EQ(bytes[f.data_offset() + i], std::byte{0});
  // Zero padding between the tensor infos and the data.
  EXPECT_EQ(f.data_offset() % 32, 0u);
}

TEST(Writer, HeaderBytesAreExact) {
  GgufWriter w;
  w.set("k", uint32_t{7});
  w.add_tensor("t", GgmlType::F32, {1}, std::vector<std::byte>(4, std::byte{0x5A}));
  RawGguf expected;
  expected.header(1, 1).kv_u32("k", 7).tensor("t", {1}, 0, 0).pad_to(32).fill(4, 0x5A).zeros(28);
  EXPECT_EQ(w.to_bytes(), expected.bytes());
  RawGguf v2;
  v2.header(1, 1, 2).kv_u32("k", 7).tensor("t", {1}, 0, 0).pad_to(32).fill(4, 0x5A).zeros(28);
  EXPECT_EQ(w.to_bytes(2), v2.bytes());
}

TEST(Writer, AlignmentKeyWrittenFirstAsU32) {
  GgufWriter w(64);
  w.set("general.architecture", "llama");
  RawGguf expected;
  expected.header(0, 2)
      .kv_u32("general.alignment", 64)
      .kv_str("general.architecture", "llama")
      .pad_to(64);
  EXPECT_EQ(w.to_bytes(), expected.bytes());
}

TEST(Writer, RejectsBadArguments) {
  EXPECT_THROW(GgufWriter(0), std::invalid_argument);
  EXPECT_THROW(GgufWriter(48), std::invalid_argument);
  GgufWriter w;
  w.set("a", 1.0f);
  EXPECT_THROW(w.set("a", 2.0f), std::invalid_argument);
  EXPECT_THROW(w.set("", 2.0f), std::invalid_argument);
  EXPECT_THROW(w.set("general.alignment", uint32_t{64}), std::invalid_argument);
  Array mixed{ValueType::UINT32, {Value(uint32_t{1}), Value(int32_t{2})}};
  EXPECT_THROW(w.set("mixed", Value(mixed)), std::invalid_argument);

  const auto fill = pattern_fill(4);
  w.add_tensor("ok", GgmlType::F32, {4}, fill);
  EXPECT_THROW(w.add_tensor("ok", GgmlType::F32, {4}, fill), std::invalid_argument);
  EXPECT_THROW(w.add_tensor("", GgmlType::F32, {4}, fill), std::invalid_argument);
  EXPECT_THROW(w.add_tensor(std::string(64, 'x'), GgmlType::F32, {4}, fill), std::invalid_argument);
  EXPECT_NO_THROW(w.add_tensor(std::string(63, 'x'), GgmlType::F32, {4}, fill));
  EXPECT_THROW(w.add_tensor("d0", GgmlType::F32, {}, fill), std::invalid_argument);
  EXPECT_THROW(w.add_tensor("d5", GgmlType::F32, {1, 1, 1, 1, 1}, fill), std::invalid_argument);
  EXPECT_THROW(w.add_tensor("ne0", GgmlType::F32, {4, 0}, fill), std::invalid_argument);
  EXPECT_THROW(w.add_tensor("neg", GgmlType::F32, {-4}, fill), std::invalid_argument);
  EXPECT_THROW(w.add_tensor("blk", GgmlType::Q4_K, {128}, fill), std::invalid_argument);
  EXPECT_THROW(w.add_tensor("huge", GgmlType::F32, {int64_t{1} << 40, int64_t{1} << 40}, fill),
               std::invalid_argument);
  EXPECT_THROW(w.add_tensor("null", GgmlType::F32, {4}, TensorFill{}), std::invalid_argument);
  EXPECT_THROW(w.add_tensor("size", GgmlType::F32, {4}, std::vector<std::byte>(15)),
               std::invalid_argument);
  EXPECT_THROW(w.to_bytes(1), std::invalid_argument);
  EXPECT_THROW(w.to_bytes(4), std::invalid_argument);
  // Failed additions leave the writer usable and consistent.
  EXPECT_EQ(parse(w.to_bytes()).tensors().size(), 2u);
}

TEST_F(WriterFiles, WriteMatchesToBytesAndTotalBytes) {
  GgufWriter w(64);
  w.set("general.name", "x");
  w.add_tensor("a", GgmlType::Q8_0, {64, 5}, pattern_fill(68));
  w.add_tensor("b", GgmlType::BF16, {7}, pattern_fill(14));
  const auto path = m_dir / "m.gguf";
  w.write(path, 2);
  EXPECT_EQ(fs::file_size(path), w.total_bytes());
  const auto bytes = w.to_bytes(2);
  std::vector<std::byte> disk(bytes.size());
  std::ifstream(path, std::ios::binary)
      .read(reinterpret_cast<char*>(disk.data()), static_cast<std::streamsize>(disk.size()));
  EXPECT_EQ(disk, bytes);
  EXPECT_EQ(entries(), 1u);  // no temporary left
}

TEST_F(WriterFiles, LargeTensorStreamsInChunks) {
  // 96 MiB in rows of 1 MiB: several chunks filled in parallel, written in order.
  constexpr int64_t kRowElems = 256 * 1024;
  constexpr int64_t kRows = 96;
  const uint64_t row = kRowElems * 4;
  std::mutex mutex;
  std::vector<int> calls_per_row(kRows, 0);
  TensorFill fill = [&, inner = pattern_fill(row)](int64_t row_begin, std::span<std::byte> out) {
    ASSERT_EQ(out.size() % row, 0u);
    inner(row_begin, out);
    std::lock_guard lock(mutex);
    for (int64_t r = row_begin; r < row_begin + static_cast<int64_t>(out.size() / row); ++r) {
      ++calls_per_row[static_cast<size_t>(r)];
    }
  };
  GgufWriter w;
  w.add_tensor("small", GgmlType::F32, {3}, pattern_fill(12));
  w.add_tensor("big", GgmlType::F32, {kRowElems, kRows}, fill);
  w.add_tensor("tail", GgmlType::F16, {5}, pattern_fill(10));
  const auto path = m_dir / "big.gguf";
  w.write(path);
  for (int c : calls_per_row) EXPECT_EQ(c, 1);

  const GgufFile f = GgufFile::open(path);
  EXPECT_EQ(f.file_size(), w.total_bytes());
  const auto big = f.tensor_data(f.tensor("big"));
  ASSERT_EQ(big.size(), row * kRows);
  size_t mismatches = 0;
  for (uint64_t i = 0; i < big.size(); ++i) mismatches += big[i] != pattern(i);
  EXPECT_EQ(mismatches, 0u);
  const auto tail = f.tensor_data(f.tensor("tail"));
  for (uint64_t i = 0; i < tail.size(); ++i) EXPECT_EQ(tail[i], pattern(i));
}

TEST_F(WriterFiles, ThrowingFillLeavesNothingBehind) {
  GgufWriter w;
  w.add_tensor("ok", GgmlType::F32, {8}, pattern_fill(32));
  w.add_tensor("bad", GgmlType::F32, {1024, 64},
               [](int64_t, std::span<std::byte>) { throw std::runtime_error("fill failed"); });
  const auto path = m_dir / "m.gguf";
  EXPECT_THROW(
      {
        try {
          w.write(path);
        } catch (const std::runtime_error& e) {
          EXPECT_STREQ(e.what(), "fill failed");
          throw;
        }
      },
      std::runtime_error);
  EXPECT_FALSE(fs::exists(path));
  EXPECT_EQ(entries(), 0u);
}

TEST_F(WriterFiles, FailedWriteKeepsTheOldFile) {
  const auto path = m_dir / "m.gguf";
  std::ofstream(path) << "old";
  GgufWriter w;
  w.add_tensor("bad", GgmlType::F32, {8},
               [](int64_t, std::span<std::byte>) { throw std::runtime_error("fill failed"); });
  EXPECT_THROW(w.write(path), std::runtime_error);
  EXPECT_EQ(fs::file_size(path), 3u);
  EXPECT_EQ(entries(), 1u);
}

TEST_F(WriterFiles, ReplacesAnExistingFile) {
  const auto path = m_dir / "m.gguf";
  std::ofstream(path) << "old";
  GgufWriter w;
  w.set("k", "v");
  w.write(path);
  EXPECT_EQ(parse(w.to_bytes()).get_string("k"), "v");
  EXPECT_EQ(GgufFile::open(path).get_string("k"), "v");
  EXPECT_EQ(entries(), 1u);
}

TEST_F(WriterFiles, MissingDirectoryNamesThePath) {
  const auto path = m_dir / "no" / "such" / "m.gguf";
  GgufWriter w;
  try {
    w.write(path);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace etchsim::gguf::testing
