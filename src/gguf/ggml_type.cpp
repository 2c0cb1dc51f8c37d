#include "etchsim/gguf/ggml_type.hpp"

#include <array>
#include <stdexcept>
#include <string>

#include "etchsim/gguf/ascii_case.hpp"
#include "etchsim/gguf/blocks.hpp"

namespace etchsim::gguf {
namespace {

struct Row {
  int32_t id;
  TypeTraits traits;
};

// ggml.c type_traits: (name, elements per block, bytes per block). Ids absent here are the
// removed ones (block size 0), which gguf.cpp rejects.
constexpr std::array kTable{
    Row{0, {"f32", 1, 4, true}},
    Row{1, {"f16", 1, 2, true}},
    Row{2, {"q4_0", kQK, sizeof(BlockQ4_0), true}},
    Row{3, {"q4_1", kQK, sizeof(BlockQ4_1), true}},
    Row{6, {"q5_0", kQK, sizeof(BlockQ5_0), true}},
    Row{7, {"q5_1", kQK, sizeof(BlockQ5_1), true}},
    Row{8, {"q8_0", kQK, sizeof(BlockQ8_0), true}},
    Row{9, {"q8_1", kQK, sizeof(BlockQ8_1), false}},
    Row{10, {"q2_K", kQKK, sizeof(BlockQ2_K), true}},
    Row{11, {"q3_K", kQKK, sizeof(BlockQ3_K), true}},
    Row{12, {"q4_K", kQKK, sizeof(BlockQ4_K), true}},
    Row{13, {"q5_K", kQKK, sizeof(BlockQ5_K), true}},
    Row{14, {"q6_K", kQKK, sizeof(BlockQ6_K), true}},
    Row{15, {"q8_K", kQKK, sizeof(BlockQ8_K), false}},
    Row{16, {"iq2_xxs", 256, 66, false}},
    Row{17, {"iq2_xs", 256, 74, false}},
    Row{18, {"iq3_xxs", 256, 98, false}},
    Row{19, {"iq1_s", 256, 50, false}},
    Row{20, {"iq4_nl", 32, 18, false}},
    Row{21, {"iq3_s", 256, 110, false}},
    Row{22, {"iq2_s", 256, 82, false}},
    Row{23, {"iq4_xs", 256, 136, false}},
    Row{24, {"i8", 1, 1, false}},
    Row{25, {"i16", 1, 2, false}},
    Row{26, {"i32", 1, 4, false}},
    Row{27, {"i64", 1, 8, false}},
    Row{28, {"f64", 1, 8, false}},
    Row{29, {"iq1_m", 256, 56, false}},
    Row{30, {"bf16", 1, 2, true}},
    Row{34, {"tq1_0", 256, 54, false}},
    Row{35, {"tq2_0", 256, 66, false}},
    Row{39, {"mxfp4", 32, 17, false}},
    Row{40, {"nvfp4", 64, 36, false}},
    Row{41, {"q1_0", 128, 18, false}},
    Row{42, {"q2_0", 64, 18, false}},
};

}  // namespace

std::optional<TypeTraits> find_traits(int32_t id) {
  for (const auto& row : kTable) {
    if (row.id == id) return row.traits;
  }
  return std::nullopt;
}

const TypeTraits& traits(GgmlType type) {
  for (const auto& row : kTable) {
    if (row.id == static_cast<int32_t>(type)) return row.traits;
  }
  throw std::invalid_argument("unknown ggml type id " + std::to_string(static_cast<int32_t>(type)));
}

std::optional<GgmlType> type_from_name(std::string_view name) {
  for (const auto& row : kTable) {
    if (equals_ignoring_ascii_case(row.traits.name, name)) return static_cast<GgmlType>(row.id);
  }
  return std::nullopt;
}

uint64_t row_bytes(GgmlType type, int64_t ne0) {
  const TypeTraits& t = traits(type);
  if (ne0 < 0 || ne0 % t.block_elems != 0) {
    throw std::invalid_argument("row of " + std::to_string(ne0) +
                                " elements is not a whole number of " + std::string(t.name) +
                                " blocks of " + std::to_string(t.block_elems));
  }
  return static_cast<uint64_t>(ne0 / t.block_elems) * static_cast<uint64_t>(t.block_bytes);
}

}  // namespace etchsim::gguf
