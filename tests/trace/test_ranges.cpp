// --trace-layers and --trace-window parsing.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "etchsim/trace/ranges.hpp"

namespace etchsim::trace {
namespace {

std::string layers_error(std::string_view spec, uint32_t n_layer) {
  try {
    parse_trace_layers(spec, n_layer);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

std::string window_error(std::string_view spec) {
  try {
    parse_trace_window(spec);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(TraceLayers, SingleRangeAndLists) {
  EXPECT_EQ(parse_trace_layers("5", 12).layers, (std::vector<uint32_t>{5}));
  EXPECT_EQ(parse_trace_layers("0-3", 12).layers, (std::vector<uint32_t>{0, 1, 2, 3}));
  EXPECT_EQ(parse_trace_layers("8,0-3", 12).layers, (std::vector<uint32_t>{0, 1, 2, 3, 8}));
  EXPECT_EQ(parse_trace_layers("2-4,3-5,4", 12).layers, (std::vector<uint32_t>{2, 3, 4, 5}));
  EXPECT_EQ(parse_trace_layers("11", 12).layers, (std::vector<uint32_t>{11}));
  const LayerSelection sel = parse_trace_layers("0-3,8", 12);
  ASSERT_EQ(sel.mask.size(), 12u);
  EXPECT_TRUE(sel.contains(3));
  EXPECT_TRUE(sel.contains(8));
  EXPECT_FALSE(sel.contains(4));
  EXPECT_FALSE(sel.contains(12));
}

TEST(TraceLayers, ErrorsNameOptionAndItem) {
  for (const auto& [spec, item] :
       std::vector<std::pair<std::string, std::string>>{{"12", "12"},
                                                        {"0-12", "0-12"},
                                                        {"5-3", "5-3"},
                                                        {"0-3,x", "x"},
                                                        {"1,,2", "''"},
                                                        {"1,", "''"},
                                                        {"-3", "-3"},
                                                        {"3-", "3-"},
                                                        {" 3", " 3"},
                                                        {"+3", "+3"},
                                                        {"1-2-3", "1-2-3"},
                                                        {"99999999999", "99999999999"}}) {
    const std::string err = layers_error(spec, 12);
    EXPECT_NE(err.find("--trace-layers"), std::string::npos) << spec;
    EXPECT_NE(err.find(item), std::string::npos) << spec << ": " << err;
  }
  EXPECT_NE(layers_error("", 12).find("--trace-layers"), std::string::npos);
  EXPECT_NE(layers_error("0", 0).find("--trace-layers"), std::string::npos);
}

TEST(TraceWindow, ClosedAndOpenSides) {
  EXPECT_EQ(parse_trace_window("100:5000"), (std::pair<uint64_t, uint64_t>{100, 5000}));
  EXPECT_EQ(parse_trace_window(":5000"), (std::pair<uint64_t, uint64_t>{0, 5000}));
  EXPECT_EQ(parse_trace_window("100:"), (std::pair<uint64_t, uint64_t>{100, kTraceWindowOpen}));
  EXPECT_EQ(parse_trace_window(":"), (std::pair<uint64_t, uint64_t>{0, kTraceWindowOpen}));
  EXPECT_EQ(parse_trace_window("0:1"), (std::pair<uint64_t, uint64_t>{0, 1}));
}

TEST(TraceWindow, Errors) {
  for (const char* spec :
       {"", "100", "5:5", "6:5", "a:5", "1:b", "1:2:3", "-1:5", "1: 5", "99999999999999999999:"}) {
    EXPECT_NE(window_error(spec).find("--trace-window"), std::string::npos) << spec;
  }
}

}  // namespace
}  // namespace etchsim::trace
