// GGUF metadata values (docs/formats.md §1.2). The variant's index is the
// GGUF value-type id, so Value::type() is the id stored in the file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace etchsim::gguf {

enum class ValueType : int32_t {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
};
inline constexpr int32_t kValueTypeCount = 13;

std::string_view value_type_name(ValueType type);

struct Value;

// An array holds elements of one type; nested arrays (elem_type ARRAY) are parsed, as gguf-py
// does, although llama.cpp rejects them.
struct Array {
  ValueType elem_type = ValueType::UINT8;
  std::vector<Value> elems;
  bool operator==(const Array&) const;
};

struct Value {
  using Storage = std::variant<uint8_t, int8_t, uint16_t, int16_t, uint32_t, int32_t, float, bool,
                               std::string, Array, uint64_t, int64_t, double>;
  Storage data;

  Value() = default;
  template <typename T>
  requires std::is_constructible_v<Storage, T> Value(T v)
      : data(std::move(v)) {}  // NOLINT(google-explicit-constructor): a value is its payload
  Value(const char* s) : data(std::string(s)) {}  // NOLINT(google-explicit-constructor)

  ValueType type() const { return static_cast<ValueType>(data.index()); }
  bool operator==(const Value&) const = default;

  // Helpers for building arrays of one element type.
  template <typename T>
  static Value array_of(const std::vector<T>& items) {
    Array a;
    a.elem_type = static_cast<ValueType>(Storage(T{}).index());
    a.elems.reserve(items.size());
    for (const auto& item : items) a.elems.emplace_back(item);
    return Value(std::move(a));
  }
};

inline bool Array::operator==(const Array& o) const {
  return elem_type == o.elem_type && elems == o.elems;
}

}  // namespace etchsim::gguf
