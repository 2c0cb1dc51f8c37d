// The options `etchsim rtl`, `rtl-check` and `rtl-area` share: which units of which layer of a
// model, on which chip configuration.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace etchsim::cli {

struct RtlUnitOptions {
  std::string model;
  std::optional<std::string> config;
  std::vector<std::string> sets;
  int64_t layer = -1;
  std::string units = "qkv,attn_output,gate_up,down";
  bool lm_head = false;
  std::optional<std::string> rows;
};

// Registers them on `app` (model positional and --layer required).
void add_rtl_unit_options(CLI::App& app, RtlUnitOptions& options);

}  // namespace etchsim::cli
