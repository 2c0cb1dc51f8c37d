// `etchsim inspect`: metadata, tensor table and totals of a GGUF file, as text or JSON.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "etchsim/cli/commands.hpp"
#include "etchsim/gguf/reader.hpp"
#include "human_units.hpp"
#include "inspect_summary.hpp"
#include "metadata_format.hpp"

namespace etchsim::cli {
namespace {

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
    const InspectTotals totals = inspect_totals(f);
    if (args->json) {
      fmt::print("{}\n", inspect_json(f, totals));
    } else {
      print_text(f, totals.by_type, totals.all);
    }
    return 0;
  };
}

}  // namespace etchsim::cli
