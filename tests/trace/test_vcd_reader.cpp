// The strict VCD reader.
#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "etchsim/trace/vcd_reader.hpp"

namespace etchsim::trace {
namespace {

using Changes = std::vector<std::pair<uint64_t, std::string>>;

// In the style of SystemC's VCD writer: multi-line $timescale, no #0 before $dumpvars, vectors
// declared with a separate bit range, and a real.
const char* const kValid = R"($date
     Jan 01, 2025       00:00:00
$end

$version
 SystemC 2.3.4-Accellera --- Jan  1 2025 00:00:00
$end

$timescale
     1 ns
$end

$scope module chip $end
$scope module layer00 $end
$scope module attn_norm $end
$var wire  1  aaaaa  busy       $end
$upscope $end
$scope module reg_qkv $end
$var wire  32  aaaab  seq [31:0]  $end
$var wire  1  aaaac  valid       $end
$upscope $end
$upscope $end
$var real  1  aaaad  kv_occupancy       $end
$var wire 4 aaaae nibble[3:0] $end
$var wire 1 aaaaa busy_alias $end
$upscope $end
$enddefinitions  $end

$comment
All initial values are dumped below at time 0 sec = 0 timescale units.
$end

$dumpvars
0aaaaa
b0 aaaab
xaaaac
r0 aaaad
bxxxx aaaae
$end

#1
1aaaaa
b101 aaaab
1aaaac
r1.5 aaaad

#3
0aaaaa
B11111111111111111111111111111111 aaaab
Zaaaac
b1010 aaaae
#3
r-2.25e3 aaaad
$dumpoff
xaaaaa
$end
#10
)";

VcdFile parse(const std::string& text) {
  std::istringstream in(text);
  return parse_vcd(in);
}

TEST(VcdReader, ParsesHeader) {
  const VcdFile vcd = parse(kValid);
  EXPECT_EQ(vcd.timescale, "1 ns");
  ASSERT_EQ(vcd.vars.size(), 6u);
  EXPECT_EQ(vcd.vars[0].full_name, "chip.layer00.attn_norm.busy");
  EXPECT_EQ(vcd.vars[0].id, "aaaaa");
  EXPECT_EQ(vcd.vars[0].width, 1u);
  EXPECT_EQ(vcd.vars[0].type, "wire");
  EXPECT_EQ(vcd.vars[1].full_name, "chip.layer00.reg_qkv.seq");
  EXPECT_EQ(vcd.vars[1].width, 32u);
  EXPECT_EQ(vcd.vars[1].range, "[31:0]");
  EXPECT_EQ(vcd.vars[2].full_name, "chip.layer00.reg_qkv.valid");
  EXPECT_EQ(vcd.vars[3].full_name, "chip.kv_occupancy");
  EXPECT_EQ(vcd.vars[3].type, "real");
  EXPECT_EQ(vcd.vars[4].full_name, "chip.nibble");
  EXPECT_EQ(vcd.vars[4].range, "[3:0]");
  EXPECT_EQ(vcd.vars[5].full_name, "chip.busy_alias");
  EXPECT_EQ(vcd.end_time, 10u);
}

TEST(VcdReader, ValueChangesInFileOrder) {
  const VcdFile vcd = parse(kValid);
  EXPECT_EQ(changes(vcd, "chip.layer00.attn_norm.busy"),
            (Changes{{0, "0"}, {1, "1"}, {3, "0"}, {3, "x"}}));
  // An alias shares its identifier's changes.
  EXPECT_EQ(changes(vcd, "chip.busy_alias"), changes(vcd, "chip.layer00.attn_norm.busy"));
  const Changes seq{{0, "0"}, {1, "101"}, {3, std::string(32, '1')}};
  EXPECT_EQ(changes(vcd, "chip.layer00.reg_qkv.seq"), seq);
  EXPECT_EQ(changes(vcd, "chip.layer00.reg_qkv.seq[31:0]"), seq);
  EXPECT_EQ(changes(vcd, "chip.layer00.reg_qkv.valid"), (Changes{{0, "x"}, {1, "1"}, {3, "z"}}));
  EXPECT_EQ(changes(vcd, "chip.kv_occupancy"), (Changes{{0, "0"}, {1, "1.5"}, {3, "-2.25e3"}}));
  EXPECT_EQ(changes(vcd, "chip.nibble"), (Changes{{0, "xxxx"}, {3, "1010"}}));
  EXPECT_THROW(changes(vcd, "chip.nothing"), std::out_of_range);
}

TEST(VcdReader, ValueToUint) {
  EXPECT_EQ(vcd_value_to_uint("101"), 5u);
  EXPECT_EQ(vcd_value_to_uint("0"), 0u);
  EXPECT_EQ(vcd_value_to_uint(std::string(32, '1')), 0xFFFFFFFFu);
  EXPECT_EQ(vcd_value_to_uint("0" + std::string(64, '1')), ~uint64_t{0});
  EXPECT_EQ(vcd_value_to_uint("1" + std::string(64, '0')), std::nullopt);
  EXPECT_EQ(vcd_value_to_uint("1x"), std::nullopt);
  EXPECT_EQ(vcd_value_to_uint(""), std::nullopt);
}

TEST(VcdReader, MinimalFile) {
  const VcdFile vcd = parse("$enddefinitions $end\n");
  EXPECT_TRUE(vcd.vars.empty());
  EXPECT_TRUE(vcd.timescale.empty());
  EXPECT_EQ(parse("$timescale 10ps $end $enddefinitions $end").timescale, "10 ps");
}

const char* const kHeader =
    "$timescale 1 ns $end\n"         // line 1
    "$scope module top $end\n"       // line 2
    "$var wire 1 ! a $end\n"         // line 3
    "$var wire 8 \" v [7:0] $end\n"  // line 4
    "$var real 64 # r $end\n"        // line 5
    "$upscope $end\n"                // line 6
    "$enddefinitions $end\n";        // line 7

// The error message of parsing `text`, or "" when it parses.
std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

struct Malformed {
  const char* name;
  std::string text;
  const char* expect;  // a substring of the message, including the line
};

TEST(VcdReader, MalformedInputNamesTheLine) {
  const std::string h = kHeader;
  const std::vector<Malformed> cases{
      {"time backwards", h + "#5\n1!\n#4\n", "line 10: time goes backwards"},
      {"unknown id", h + "#0\n1?\n", "line 9: unknown identifier '?'"},
      {"unknown vector id", h + "#0\nb1 $$\n", "line 9: unknown identifier '$$'"},
      {"missing enddefinitions", "$timescale 1 ns $end\n$scope module t $end\n$upscope $end\n",
       "missing $enddefinitions"},
      {"width zero", "$var wire 0 ! a $end\n$enddefinitions $end\n", "line 1: bad $var width"},
      {"width not a number", "\n$var wire w ! a $end\n$enddefinitions $end\n",
       "line 2: bad $var width"},
      {"range vs width", "$var wire 8 ! a [3:0] $end\n$enddefinitions $end\n",
       "line 1: bit range '[3:0]' does not match width 8"},
      {"too many bits", h + "b101010101 \"\n", "line 8: 9 bits for identifier"},
      {"scalar for vector", h + "1\"\n", "line 8: scalar value for vector"},
      {"real for wire", h + "r1.0 !\n", "line 8: real value for scalar"},
      {"vector for real", h + "b1 #\n", "line 8: vector value for real"},
      {"bad real", h + "r1.0.0 #\n", "line 8: bad real value"},
      {"bad vector", h + "b102 \"\n", "line 8: bad vector value"},
      {"bad time", h + "#1a\n", "line 8: bad time"},
      {"value in header", "$var wire 1 ! a $end\n1!\n$enddefinitions $end\n",
       "line 2: '1!' before $enddefinitions"},
      {"unclosed scope", "$scope module t $end\n$enddefinitions $end\n",
       "line 2: $enddefinitions inside open $scope 't'"},
      {"extra upscope", "$upscope $end\n$enddefinitions $end\n", "line 1: $upscope without"},
      {"unterminated section", "$comment hello\n", "line 1: $comment without $end"},
      {"missing $end in var", "$var wire 1 ! a\n$enddefinitions $end\n",
       "line 2: $enddefinitions inside $var"},
      {"bad timescale", "$timescale 3 ns $end\n$enddefinitions $end\n", "line 1: bad $timescale"},
      {"unclosed dumpvars", h + "$dumpvars\n1!\n", "$dumpvars without $end"},
      {"stray $end", h + "$end\n", "line 8: $end without an open section"},
      {"vector without id", h + "b1", "line 8: 'b1' without an identifier"},
      {"second enddefinitions", h + "$enddefinitions $end\n", "line 8: second $enddefinitions"},
      {"garbage", h + "hello\n", "line 8: unexpected 'hello'"},
  };
  for (const Malformed& c : cases) {
    const std::string err = error_of(c.text);
    EXPECT_NE(err.find(c.expect), std::string::npos)
        << c.name << ": got '" << err << "', expected '" << c.expect << "'";
  }
}

}  // namespace
}  // namespace etchsim::trace
