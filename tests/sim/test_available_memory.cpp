// available_memory_bytes: /proc/meminfo's MemAvailable, bounded by a cgroup v2 limit.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "../../src/sim/available_memory.hpp"

namespace etchsim::sim {
namespace {

class AvailableMemory : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = std::filesystem::temp_directory_path() /
            fmt::format("etchsim-available-memory-{}-{}", ::getpid(),
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(m_dir / "cgroup");
  }
  void TearDown() override { std::filesystem::remove_all(m_dir); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(m_dir / name) << text;
  }
  std::optional<uint64_t> read() {
    return available_memory_bytes(m_dir / "meminfo", m_dir / "cgroup");
  }
  std::filesystem::path m_dir;
};

constexpr const char* kMeminfo =
    "MemTotal:       24576000 kB\n"
    "MemFree:         1000000 kB\n"
    "MemAvailable:   20000000 kB\n"
    "Buffers:           12345 kB\n";

TEST_F(AvailableMemory, MemAvailableWithoutACgroupLimit) {
  write("meminfo", kMeminfo);
  EXPECT_EQ(read(), uint64_t{20000000} * 1024);
  write("cgroup/memory.max", "max\n");
  write("cgroup/memory.current", "1000\n");
  EXPECT_EQ(read(), uint64_t{20000000} * 1024);
}

TEST_F(AvailableMemory, ACgroupLimitBelowMemAvailableBoundsIt) {
  write("meminfo", kMeminfo);
  write("cgroup/memory.max", "8589934592\n");
  write("cgroup/memory.current", "1073741824\n");
  EXPECT_EQ(read(), uint64_t{7} << 30);
  write("cgroup/memory.current", "9999999999\n");  // over the limit: no room
  EXPECT_EQ(read(), 0u);
}

TEST_F(AvailableMemory, NothingReadableIsUnknown) {
  EXPECT_EQ(read(), std::nullopt);
  write("meminfo", "MemTotal: 1000 kB\n");  // no MemAvailable line
  EXPECT_EQ(read(), std::nullopt);
}

}  // namespace
}  // namespace etchsim::sim
