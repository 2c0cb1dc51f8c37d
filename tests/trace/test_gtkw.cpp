// GTKWave save files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "etchsim/trace/gtkw.hpp"

namespace etchsim::trace {
namespace {

const std::vector<SignalGroup> kGroups{
    {"layer00",
     {"chip.layer00.attn_norm.busy", "chip.layer00.reg_qkv.seq[31:0]",
      "chip.layer00.reg_qkv.valid"},
     {},
     false},
    {"host", {"chip.host.link_busy", "chip.host.tokens[15:0]"}, {}, true},
};

const std::string kExpected =
    "[*] etchsim trace view\n"
    "[dumpfile] \"out/run.vcd\"\n"
    "[size] 1600 1000\n"
    "[timestart] 0\n"
    "*0.000000 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1\n"
    "@800200\n"
    "-layer00\n"
    "@28\n"
    "chip.layer00.attn_norm.busy\n"
    "@24\n"
    "chip.layer00.reg_qkv.seq[31:0]\n"
    "@28\n"
    "chip.layer00.reg_qkv.valid\n"
    "@1000200\n"
    "-layer00\n"
    "@c00200\n"
    "-host\n"
    "@28\n"
    "chip.host.link_busy\n"
    "@24\n"
    "chip.host.tokens[15:0]\n"
    "@1401200\n"
    "-host\n";

std::string read_all(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(Gtkw, TwoGroupsMatchExpectedText) {
  EXPECT_EQ(format_gtkw("out/run.vcd", kGroups), kExpected);
}

TEST(Gtkw, WritesFileAtomicallyAndDeterministically) {
  const auto dir = std::filesystem::path(testing::TempDir()) / "etchsim_gtkw_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto path = dir / "view.gtkw";
  write_gtkw(path, "out/run.vcd", kGroups);
  EXPECT_EQ(read_all(path), kExpected);
  write_gtkw(path, "out/run.vcd", kGroups);  // overwrites
  EXPECT_EQ(read_all(path), kExpected);
  // Nothing but the save file is left behind.
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++entries;
  EXPECT_EQ(entries, 1u);
  std::filesystem::remove_all(dir);
}

TEST(Gtkw, SignalNameCarriesRangeForVectors) {
  EXPECT_EQ(gtkw_signal_name("chip.layer00.busy", 1), "chip.layer00.busy");
  EXPECT_EQ(gtkw_signal_name("chip.layer00.reg_qkv.seq", 32), "chip.layer00.reg_qkv.seq[31:0]");
}

TEST(Gtkw, EmptyGroupAndNoGroups) {
  const std::string none = format_gtkw("a.vcd", {});
  EXPECT_EQ(none.find('@'), std::string::npos);
  const std::string empty = format_gtkw("a.vcd", {{"g", {}, {}, false}});
  EXPECT_NE(empty.find("@800200\n-g\n@1000200\n-g\n"), std::string::npos);
}

TEST(Gtkw, AliasesAndView) {
  const std::string text = format_gtkw(
      "t.vcd",
      {{"L00", {"chip.L00.qkv.state[1:0]", "chip.L00.qkv.x"}, {"L00 qkv state", ""}, false}},
      {.start = 4000, .units_per_pixel = 8, .width = 1200, .height = 700});
  EXPECT_NE(text.find("[size] 1200 700\n[timestart] 4000\n*-3.000000 -1"), std::string::npos);
  EXPECT_NE(text.find("@24\n+{L00 qkv state} chip.L00.qkv.state[1:0]\n@28\nchip.L00.qkv.x\n"),
            std::string::npos)
      << text;
  EXPECT_THROW(format_gtkw("t.vcd", {{"g", {"a", "b"}, {"one"}, false}}), std::invalid_argument);
  EXPECT_THROW(format_gtkw("t.vcd", {{"g", {"a"}, {"x}"}, false}}), std::invalid_argument);
}

TEST(Gtkw, RejectsUnwritableNames) {
  EXPECT_THROW(format_gtkw("a\"b.vcd", kGroups), std::invalid_argument);
  EXPECT_THROW(format_gtkw("a.vcd", {{"", {"x"}, {}, false}}), std::invalid_argument);
  EXPECT_THROW(format_gtkw("a.vcd", {{"g", {"x\ny"}, {}, false}}), std::invalid_argument);
  EXPECT_THROW(write_gtkw("/nonexistent_dir_etchsim/x.gtkw", "a.vcd", kGroups), std::runtime_error);
}

}  // namespace
}  // namespace etchsim::trace
