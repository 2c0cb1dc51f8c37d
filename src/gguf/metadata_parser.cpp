#include "metadata_parser.hpp"

#include <fmt/format.h>

#include <cstdint>

namespace etchsim::gguf {
namespace {

// GGUF_MAX_ARRAY_ELEMENTS (docs/formats.md §1.3 item 6).
constexpr uint64_t kMaxArrayElements = uint64_t{1} << 30;

// The fewest bytes one element of `type` occupies in the file, used to bound an array count
// by the bytes that remain before anything is allocated.
uint64_t min_encoded_bytes(ValueType type) {
  switch (type) {
    case ValueType::UINT8:
    case ValueType::INT8:
    case ValueType::BOOL:
      return 1;
    case ValueType::UINT16:
    case ValueType::INT16:
      return 2;
    case ValueType::UINT32:
    case ValueType::INT32:
    case ValueType::FLOAT32:
      return 4;
    case ValueType::STRING:  // u64 length
    case ValueType::UINT64:
    case ValueType::INT64:
    case ValueType::FLOAT64:
      return 8;
    case ValueType::ARRAY:  // i32 element type + u64 count
      return 12;
  }
  return 1;
}

// `what` is "the value of key 'KEY'", formatted once per key by read_value rather than once per
// element: a vocabulary array has 10^5 elements, and the text is only used in an error.
Value read_value_at_depth(ByteCursor& in, ValueType type, std::string_view key,
                          std::string_view what, int depth);

Array read_array(ByteCursor& in, std::string_view key, std::string_view what, int depth) {
  const uint64_t at = in.pos();
  if (depth >= kMaxArrayDepth) {
    in.fail(at, fmt::format("key '{}' has arrays nested deeper than {}", key, kMaxArrayDepth));
  }
  Array array;
  array.elem_type = read_value_type(in, key);
  const uint64_t count_at = in.pos();
  const auto count = in.read<uint64_t>(fmt::format("the array count of key '{}'", key));
  const uint64_t min_bytes = min_encoded_bytes(array.elem_type);
  if (count > kMaxArrayElements || count > in.remaining() / min_bytes) {
    in.fail(count_at, fmt::format("key '{}' has an array of {} {} elements, more than the {} "
                                  "bytes that remain can hold",
                                  key, count, value_type_name(array.elem_type), in.remaining()));
  }
  array.elems.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    array.elems.push_back(read_value_at_depth(in, array.elem_type, key, what, depth + 1));
  }
  return array;
}

Value read_value_at_depth(ByteCursor& in, ValueType type, std::string_view key,
                          std::string_view what, int depth) {
  switch (type) {
    case ValueType::UINT8:
      return in.read<uint8_t>(what);
    case ValueType::INT8:
      return in.read<int8_t>(what);
    case ValueType::UINT16:
      return in.read<uint16_t>(what);
    case ValueType::INT16:
      return in.read<int16_t>(what);
    case ValueType::UINT32:
      return in.read<uint32_t>(what);
    case ValueType::INT32:
      return in.read<int32_t>(what);
    case ValueType::FLOAT32:
      return in.read<float>(what);
    case ValueType::BOOL:  // stored as one byte; non-zero is true (§1.2)
      return in.read<uint8_t>(what) != 0;
    case ValueType::STRING:
      return in.read_string(what);
    case ValueType::ARRAY:
      return read_array(in, key, what, depth);
    case ValueType::UINT64:
      return in.read<uint64_t>(what);
    case ValueType::INT64:
      return in.read<int64_t>(what);
    case ValueType::FLOAT64:
      return in.read<double>(what);
  }
  in.fail(in.pos(), fmt::format("key '{}' has invalid value type", key));
}

}  // namespace

ValueType read_value_type(ByteCursor& in, std::string_view key) {
  const uint64_t at = in.pos();
  const auto id = in.read<int32_t>(fmt::format("the value type of key '{}'", key));
  if (id < 0 || id >= kValueTypeCount) {
    in.fail(at, fmt::format("key '{}' has invalid value type {}", key, id));
  }
  return static_cast<ValueType>(id);
}

Value read_value(ByteCursor& in, ValueType type, std::string_view key) {
  return read_value_at_depth(in, type, key, fmt::format("the value of key '{}'", key), 0);
}

}  // namespace etchsim::gguf
