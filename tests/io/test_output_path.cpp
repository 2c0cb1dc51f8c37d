#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <string>

#include "../support/write_lease.hpp"
#include "etchsim/io/output_path.hpp"

namespace etchsim::io {
namespace {

namespace fs = std::filesystem;

class OutputPath : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = fs::temp_directory_path() / ("etchsim_output_path_" + std::to_string(::getpid()));
    fs::remove_all(m_dir);
    fs::create_directories(m_dir);
  }
  void TearDown() override { fs::remove_all(m_dir); }
  size_t entries() const {
    return static_cast<size_t>(std::distance(fs::directory_iterator(m_dir), {}));
  }
  static std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  fs::path m_dir;
};

TEST_F(OutputPath, RegularFilesAreReplacedWhole) {
  const fs::path p = m_dir / "out.json";
  EXPECT_FALSE(is_special_output(p));  // absent
  write_file_atomically(p, "first, longer text\n");
  EXPECT_FALSE(is_special_output(p));
  write_file_atomically(p, "second\n");
  EXPECT_EQ(read(p), "second\n");
  EXPECT_EQ(entries(), 1u) << "no temporary left beside it";
  EXPECT_FALSE(is_special_output(m_dir));  // a directory is no special output
}

TEST_F(OutputPath, AFifoIsWrittenInPlaceNotReplaced) {
  const fs::path p = m_dir / "pipe";
  ASSERT_EQ(::mkfifo(p.c_str(), 0600), 0);
  EXPECT_TRUE(is_special_output(p));
  auto reader = std::async(std::launch::async, [&p] { return read(p); });
  write_file_atomically(p, "through the pipe\n");
  EXPECT_EQ(reader.get(), "through the pipe\n");
  EXPECT_TRUE(fs::is_fifo(p)) << "still the FIFO, not a regular file renamed over it";
  EXPECT_EQ(entries(), 1u);
}

TEST_F(OutputPath, CharacterDevicesAreSpecial) {
  // Only looked at, never written: a failing write test must not touch /dev/null.
  EXPECT_TRUE(is_special_output("/dev/null"));
  EXPECT_FALSE(is_special_output("/dev/etchsim-no-such-device"));
}

TEST_F(OutputPath, FailuresNameThePathAndLeaveNothing) {
  const fs::path missing = m_dir / "no" / "such" / "dir" / "out.csv";
  try {
    write_file_atomically(missing, "x");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(missing.string()), std::string::npos) << e.what();
  }
  // A directory in the way: the rename fails and the temporary is removed.
  fs::create_directories(m_dir / "taken" / "inside");
  EXPECT_THROW(write_file_atomically(m_dir / "taken", "x"), std::runtime_error);
  EXPECT_EQ(entries(), 1u);
}

ino_t inode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st.st_ino;
}

// kReuse: an older regular file is the temporary from the start (gone from the target), written
// over in place (the same inode) and cut to the new length by commit().
TEST_F(OutputPath, AnOlderFileIsReusedInPlaceAndCut) {
  if (!testing::write_leases_work(m_dir)) GTEST_SKIP() << "no write leases in " << m_dir;
  const fs::path p = m_dir / "trace.vcd";
  write_file_atomically(p, std::string(100000, 'o'));
  const ino_t older = inode_of(p);
  {
    OutputFile file(p, OlderFile::kReuse);
    EXPECT_FALSE(fs::exists(p));
    file.write("new\n");
    file.commit();
  }
  EXPECT_EQ(read(p), "new\n");
  EXPECT_EQ(inode_of(p), older);
  EXPECT_EQ(entries(), 1u);
  // Longer than the older one: it grows.
  {
    OutputFile file(p, OlderFile::kReuse);
    file.write(std::string(5000, 'n'));
    file.commit();
  }
  EXPECT_EQ(read(p), std::string(5000, 'n'));
  // Not committed: neither the older file nor the temporary is left.
  {
    OutputFile file(p, OlderFile::kReuse);
    file.write("half");
  }
  EXPECT_EQ(entries(), 0u);
}

// kReuse leaves an older file that someone has open (a waveform viewer showing the last trace)
// to the rename: the reader keeps the older content whole.
TEST_F(OutputPath, AnOlderFileSomeoneHasOpenIsNotWrittenOver) {
  const fs::path p = m_dir / "trace.vcd";
  const std::string older(100000, 'o');
  write_file_atomically(p, older);
  const ino_t inode = inode_of(p);
  std::ifstream viewer(p, std::ios::binary);
  ASSERT_TRUE(viewer.good());
  {
    OutputFile file(p, OlderFile::kReuse);
    EXPECT_EQ(read(p), older);  // still there until commit
    file.write("new\n");
    file.commit();
  }
  EXPECT_EQ(read(p), "new\n");
  EXPECT_NE(inode_of(p), inode);
  const ino_t inode_after_new = inode_of(p);
  std::stringstream seen;
  seen << viewer.rdbuf();
  EXPECT_EQ(seen.str(), older);
  viewer.close();
  {
    OutputFile file(p, OlderFile::kReuse);  // no one has it open now: reused
    file.write("newer\n");
    file.commit();
  }
  EXPECT_EQ(read(p), "newer\n");
  EXPECT_EQ(entries(), 1u);
  if (testing::write_leases_work(m_dir)) EXPECT_EQ(inode_of(p), inode_after_new);
}

// kReuse leaves a file that another name links to (writing over it would change that name's
// content) and anything that is no regular file to the rename, as kKeep does with every file.
TEST_F(OutputPath, AnOlderFileWithAnotherNameIsNotWrittenOver) {
  const fs::path p = m_dir / "trace.vcd";
  const fs::path other = m_dir / "kept.vcd";
  write_file_atomically(p, "older\n");
  fs::create_hard_link(p, other);
  {
    OutputFile file(p, OlderFile::kReuse);
    EXPECT_EQ(read(p), "older\n");  // still there until commit
    file.write("new\n");
    file.commit();
  }
  EXPECT_EQ(read(p), "new\n");
  EXPECT_EQ(read(other), "older\n");
  fs::remove(other);
  const fs::path target = m_dir / "target.vcd";
  write_file_atomically(target, "target\n");
  fs::create_symlink(target, other);
  {
    OutputFile file(other, OlderFile::kReuse);
    file.write("new\n");
    file.commit();
  }
  EXPECT_EQ(read(target), "target\n");
  EXPECT_FALSE(fs::is_symlink(other));
  EXPECT_EQ(read(other), "new\n");
  {
    OutputFile file(target, OlderFile::kKeep);
    EXPECT_EQ(read(target), "target\n");
    file.write("kept until now\n");
    file.commit();
  }
  EXPECT_EQ(read(target), "kept until now\n");
}

}  // namespace
}  // namespace etchsim::io
