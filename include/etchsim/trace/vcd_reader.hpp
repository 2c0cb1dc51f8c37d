// A strict reader of four-state VCD files (IEEE 1364-2005 §18.2): streamed to a visitor
// (`etchsim trace-summary`), or whole into memory for tests that check the chip's trace output.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace etchsim::trace {

struct VcdChange {
  uint64_t time = 0;
  // Scalar: one of 0 1 x z. Vector: the bits without the 'b' ("1010", possibly shorter than the
  // width: VCD left-extends). Real: the number without the 'r' ("1.5"). x and z are lower case.
  std::string value;

  bool operator==(const VcdChange&) const = default;
};

struct VcdVar {
  std::string full_name;  // scopes and reference joined by '.', without the bit range
  std::string id;         // identifier code; several variables may share one
  uint32_t width = 0;
  std::string type;                // wire, reg, real, integer, ...
  std::string range;               // "[31:0]" when declared, else empty
  std::vector<VcdChange> changes;  // in file order; times never decrease
};

struct VcdFile {
  std::string timescale;     // normalised "<1|10|100> <s|ms|us|ns|ps|fs>", empty if not declared
  std::vector<VcdVar> vars;  // in declaration order
  std::vector<std::string> comments;  // header $comment texts, words joined by one space
  uint64_t end_time = 0;              // the last #time in the file (0 when none)
};

// What a streaming read of a VCD hands on, in file order: no change is kept unless the visitor
// keeps it, so a trace of gigabytes takes the memory of its declarations.
class VcdVisitor {
 public:
  virtual ~VcdVisitor() = default;
  // At $enddefinitions: the timescale, the comments and the variables (their changes empty).
  virtual void declarations(const VcdFile& header) = 0;
  // A value change at `time` (as VcdChange::value) of the variables `vars` (indices into the
  // declared variables: several may share an identifier code).
  virtual void change(uint64_t time, std::span<const uint32_t> vars, std::string_view value) = 0;
  // After the last change; `end_time`: the last #time in the file (0 when none).
  virtual void end(uint64_t end_time) { (void)end_time; }
};

// Reads a VCD, handing its declarations and changes to `visitor`; throws as parse_vcd(in) below.
void parse_vcd(std::istream& in, VcdVisitor& visitor);

// Parses a whole VCD. Throws std::runtime_error("VCD line N: ...") for malformed input: a
// missing or repeated $enddefinitions, unbalanced $scope/$upscope, a bad $var (width 0 or not a
// number, a range that disagrees with the width), a value change for an unknown id or of the
// wrong kind for its variable (scalar for a vector, real for a wire, more bits than the width),
// times going backwards, a value change before $enddefinitions, an unterminated $ section.
VcdFile parse_vcd(std::istream& in);

// The changes of the variable named `full_name` (with or without its bit range).
// Throws std::out_of_range when no variable has that name.
std::vector<std::pair<uint64_t, std::string>> changes(const VcdFile& vcd,
                                                      std::string_view full_name);

// A vector or scalar value as an unsigned number; nullopt if it holds x or z or exceeds 64 bits.
std::optional<uint64_t> vcd_value_to_uint(std::string_view value);

}  // namespace etchsim::trace
