// VCD to FST through gtkwave's vcd2fst.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "etchsim/trace/fst.hpp"

namespace etchsim::trace {
namespace {

std::filesystem::path fresh_dir(const char* name) {
  const auto dir = std::filesystem::path(testing::TempDir()) / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(Fst, ConvertsHandWrittenVcd) {
  if (!find_vcd2fst()) GTEST_SKIP() << "vcd2fst not on PATH";
  const auto dir = fresh_dir("etchsim_fst_test");
  const auto vcd = dir / "in.vcd";
  {
    std::ofstream f(vcd);
    f << "$timescale 1 ns $end\n"
         "$scope module chip $end\n"
         "$var wire 1 ! busy $end\n"
         "$var wire 8 \" seq [7:0] $end\n"
         "$upscope $end\n"
         "$enddefinitions $end\n"
         "#0\n$dumpvars\n0!\nb0 \"\n$end\n"
         "#1\n1!\nb101 \"\n"
         "#4\n0!\n";
  }
  const auto fst = dir / "out.fst";
  convert_to_fst(vcd, fst);
  ASSERT_TRUE(std::filesystem::is_regular_file(fst));
  EXPECT_GT(std::filesystem::file_size(fst), 0u);
  std::filesystem::remove_all(dir);
}

TEST(Fst, MissingInputFails) {
  if (!find_vcd2fst()) GTEST_SKIP() << "vcd2fst not on PATH";
  const auto dir = fresh_dir("etchsim_fst_missing");
  EXPECT_THROW(convert_to_fst(dir / "absent.vcd", dir / "out.fst"), std::runtime_error);
  std::filesystem::remove_all(dir);
}

TEST(Fst, MissingToolIsReported) {
  // ctest runs every test in its own process, so changing PATH here affects no other test.
  const char* old = std::getenv("PATH");
  const std::string saved = old ? old : "";
  ::setenv("PATH", "/nonexistent_etchsim_dir", 1);
  EXPECT_FALSE(find_vcd2fst().has_value());
  try {
    convert_to_fst("a.vcd", "a.fst");
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("vcd2fst not found"), std::string::npos);
  }
  ::setenv("PATH", saved.c_str(), 1);
}

}  // namespace
}  // namespace etchsim::trace
