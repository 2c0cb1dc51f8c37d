#include "inspect_summary.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "metadata_format.hpp"

namespace etchsim::cli {

std::string type_name(gguf::GgmlType type) {
  std::string out(gguf::traits(type).name);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::vector<int64_t> shape_of(const gguf::TensorInfo& t) {
  return {t.ne.begin(), t.ne.begin() + t.n_dims};
}

InspectTotals inspect_totals(const gguf::GgufFile& f) {
  InspectTotals totals;
  for (const auto& t : f.tensors()) {
    for (TypeTotals* tt : {&totals.by_type[type_name(t.type)], &totals.all}) {
      tt->tensors += 1;
      tt->parameters += static_cast<uint64_t>(t.n_elements());
      tt->bytes += t.nbytes;
    }
  }
  return totals;
}

std::string inspect_json(const gguf::GgufFile& f, const InspectTotals& totals) {
  const auto& by_type = totals.by_type;
  const TypeTotals& all = totals.all;
  nlohmann::ordered_json metadata = nlohmann::ordered_json::object();
  for (const auto& [key, value] : f.metadata()) metadata[key] = value_to_json(value);
  nlohmann::ordered_json tensors = nlohmann::ordered_json::array();
  for (const auto& t : f.tensors()) {
    tensors.push_back({{"name", t.name},
                       {"type", type_name(t.type)},
                       {"type_id", static_cast<int32_t>(t.type)},
                       {"shape", shape_of(t)},
                       {"n_elements", t.n_elements()},
                       {"bytes", t.nbytes},
                       {"offset", t.offset},
                       {"file_offset", t.file_offset}});
  }
  nlohmann::ordered_json types = nlohmann::ordered_json::object();
  for (const auto& [name, tt] : by_type) {
    types[name] = {{"tensors", tt.tensors},
                   {"parameters", tt.parameters},
                   {"bytes", tt.bytes},
                   {"bits_per_weight", tt.bits_per_weight()}};
  }
  const nlohmann::ordered_json doc = {{"file", f.name()},
                                      {"version", f.version()},
                                      {"alignment", f.alignment()},
                                      {"data_offset", f.data_offset()},
                                      {"file_size", f.file_size()},
                                      {"metadata", metadata},
                                      {"tensors", tensors},
                                      {"totals",
                                       {{"tensors", all.tensors},
                                        {"parameters", all.parameters},
                                        {"bytes", all.bytes},
                                        {"bits_per_weight", all.bits_per_weight()},
                                        {"by_type", types}}}};
  // Metadata strings are not validated UTF-8 in GGUF: replace bad bytes rather than fail.
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace etchsim::cli
