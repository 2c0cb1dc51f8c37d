#include "rtl_options.hpp"

namespace etchsim::cli {

void add_rtl_unit_options(CLI::App& app, RtlUnitOptions& o) {
  app.add_option("model", o.model, "GGUF model file")->required()->check(CLI::ExistingFile);
  app.add_option("--config", o.config,
                 "Chip configuration TOML (default: configs/hc1.toml, built in)");
  app.add_option("--set", o.sets,
                 "Override one config key, e.g. --set datapath.activation_lanes=16");
  app.add_option("--layer", o.layer, "Layer whose matvec units to take")->required();
  app.add_option("--units", o.units,
                 "Units, comma-separated: the matvec units qkv, attn_output, gate_up, down; "
                 "attention (its KV SRAM schedule; rtl and rtl-check)")
      ->capture_default_str();
  app.add_flag("--lm-head", o.lm_head, "Also the LM head's output matrix (n_vocab rows)");
  app.add_option("--rows", o.rows,
                 "Keep rows A-B of each matrix (rows work in parallel: a slice has the whole "
                 "unit's cycles). Needed for large models");
}

}  // namespace etchsim::cli
