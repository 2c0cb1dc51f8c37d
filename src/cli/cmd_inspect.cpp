// `etchsim inspect`: metadata, tensor table and totals of a GGUF file, as text or JSON.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "etchsim/cli/commands.hpp"
#include "etchsim/gguf/reader.hpp"
#include "human_units.hpp"
#include "metadata_format.hpp"

namespace etchsim::cli {
namespace {

struct TypeTotals {
  uint64_t tensors = 0;
  uint64_t parameters = 0;
  uint64_t bytes = 0;
  double bits_per_weight() const {
    return parameters ? 8.0 * static_cast<double>(bytes) / static_cast<double>(parameters) : 0.0;
  }
};

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::string type_name(gguf::GgmlType type) { return upper(gguf::traits(type).name); }

std::vector<int64_t> shape_of(const gguf::TensorInfo& t) {
  return {t.ne.begin(), t.ne.begin() + t.n_dims};
}

void print_text(const gguf::GgufFile& f, const std::map<std::string, TypeTotals>& by_type,
                const TypeTotals& all) {
  fmt::print("{}: GGUF v{}, {}, alignment {}, data section at byte {}\n", f.name(), f.version(),
             human_bytes(f.file_size()), f.alignment(), f.data_offset());
  fmt::print("\nmetadata ({} keys)\n", f.metadata().size());
  size_t key_width = 0;
  for (const auto& [key, value] : f.metadata()) key_width = std::max(key_width, key.size());
  for (const auto& [key, value] : f.metadata()) {
    fmt::print("  {:<{}}  {:<7}  {}\n", key, key_width, gguf::value_type_name(value.type()),
               value_to_text(value));
  }
  fmt::print("\ntensors ({})\n", f.tensors().size());
  size_t name_width = 4;
  for (const auto& t : f.tensors()) name_width = std::max(name_width, t.name.size());
  fmt::print("  {:<{}}  {:<5}  {:<20}  {:>14}  {:>14}\n", "name", name_width, "type", "shape",
             "bytes", "offset");
  for (const auto& t : f.tensors()) {
    fmt::print("  {:<{}}  {:<5}  {:<20}  {:>14}  {:>14}\n", t.name, name_width, type_name(t.type),
               fmt::format("[{}]", fmt::join(shape_of(t), ", ")), t.nbytes, t.file_offset);
  }
  fmt::print("\ntotals: {} parameters, {} of tensor data, {:.3f} bits per weight\n",
             human_count(all.parameters), human_bytes(all.bytes), all.bits_per_weight());
  for (const auto& [name, tt] : by_type) {
    fmt::print("  {:<5}  {:>4} tensors  {:>10} parameters  {:>10}  {:.4f} bits/weight\n", name,
               tt.tensors, human_count(tt.parameters), human_bytes(tt.bytes), tt.bits_per_weight());
  }
}

void print_json(const gguf::GgufFile& f, const std::map<std::string, TypeTotals>& by_type,
                const TypeTotals& all) {
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
  fmt::print("{}\n", doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

CommandRunner register_inspect(CLI::App& app) {
  struct Args {
    std::string file;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  app.add_option("file", args->file, "GGUF file")->required();
  app.add_flag("--json", args->json, "Print one JSON document instead of text");
  return [args] {
    const gguf::GgufFile f = gguf::GgufFile::open(args->file);
    std::map<std::string, TypeTotals> by_type;
    TypeTotals all;
    for (const auto& t : f.tensors()) {
      for (TypeTotals* tt : {&by_type[type_name(t.type)], &all}) {
        tt->tensors += 1;
        tt->parameters += static_cast<uint64_t>(t.n_elements());
        tt->bytes += t.nbytes;
      }
    }
    if (args->json) {
      print_json(f, by_type, all);
    } else {
      print_text(f, by_type, all);
    }
    return 0;
  };
}

}  // namespace etchsim::cli
