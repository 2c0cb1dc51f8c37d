// Internal: decoding of GGUF metadata values (docs/formats.md §1.2) from untrusted bytes.
#pragma once

#include <string_view>

#include "byte_cursor.hpp"
#include "etchsim/gguf/value.hpp"

namespace etchsim::gguf {

// Nested arrays are parsed (as gguf-py does), but only this deep, so that a crafted file
// cannot exhaust the stack.
inline constexpr int kMaxArrayDepth = 16;

// Reads an i32 value-type id and checks it is one of the 13 GGUF types.
ValueType read_value_type(ByteCursor& in, std::string_view key);
// Reads one value of `type`; `key` names it in error messages.
Value read_value(ByteCursor& in, ValueType type, std::string_view key);

}  // namespace etchsim::gguf
