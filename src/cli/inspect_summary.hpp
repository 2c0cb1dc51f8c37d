// What `etchsim inspect` reports about a GGUF file: per-type totals and the JSON document of
// --json (also driven by fuzz/fuzz_gguf.cpp on arbitrary bytes).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "etchsim/gguf/reader.hpp"

namespace etchsim::cli {

struct TypeTotals {
  uint64_t tensors = 0;
  uint64_t parameters = 0;
  uint64_t bytes = 0;
  double bits_per_weight() const {
    return parameters ? 8.0 * static_cast<double>(bytes) / static_cast<double>(parameters) : 0.0;
  }
};

struct InspectTotals {
  std::map<std::string, TypeTotals> by_type;  // by upper-case type name
  TypeTotals all;
};

std::string type_name(gguf::GgmlType type);  // upper case, as inspect prints it
std::vector<int64_t> shape_of(const gguf::TensorInfo& t);
InspectTotals inspect_totals(const gguf::GgufFile& f);
// The --json document, dumped with 2-space indents; bad UTF-8 in strings is replaced.
std::string inspect_json(const gguf::GgufFile& f, const InspectTotals& totals);

}  // namespace etchsim::cli
