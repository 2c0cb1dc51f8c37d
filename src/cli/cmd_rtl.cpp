// etchsim rtl MODEL.gguf --layer N [--units LIST] [--lm-head] [--rows A-B] -o DIR: writes the
// SystemVerilog of a layer's matvec units, generated from the file's weights and the chip config,
// with a Verilator testbench beside each; `attention` in LIST adds the attention unit's KV SRAM
// schedule (cycle-level, sized by --positions).
// etchsim rtl-check MODEL.gguf --layer N [--tokens IDS] ...: builds them with Verilator, drives
// them with golden's activations and prints per unit JSON: values against golden, cycles against
// arch/'s formula. Exit 0 only when everything agrees.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "etchsim/cli/commands.hpp"
#include "etchsim/gguf/reader.hpp"
#include "etchsim/golden/layer_datapath.hpp"
#include "etchsim/model/llama_model.hpp"
#include "etchsim/numerics/profile.hpp"
#include "etchsim/rtl/kv_check.hpp"
#include "etchsim/rtl/layer_units.hpp"
#include "etchsim/rtl/unit_check.hpp"
#include "flagship.hpp"
#include "rtl_options.hpp"
#include "token_input.hpp"

namespace etchsim::cli {
namespace {

struct RtlArgs : RtlUnitOptions {
  std::string out;
  std::string tokens = "1,2,3";
  std::string profile{numerics::cpu_profile_name(numerics::kDefaultCpuProfile)};
  int jobs = 2;
  std::optional<std::string> fault;  // "ROW:COL" of the first unit
  uint64_t positions = 16;           // n_pos the attention unit's KV schedule is sized for
  bool fault_cycle = false;          // one more cycle in the KV schedule's RTL
};

struct Selection {
  std::vector<rtl::MatvecUnit> units;
  std::vector<rtl::MatvecUnitSpec> specs;
  std::optional<rtl::KvScheduleSpec> kv;  // the attention unit, when listed
};

// Takes the attention unit (the registry's RtlKind::KvSchedule unit) out of a --units list;
// returns whether it was there.
bool take_kv_unit(std::string& list) {
  const arch::UnitInfo& attention = arch::unit_info(golden::LayerUnit::Attention);
  std::string rest;
  bool found = false;
  for (size_t start = 0; start <= list.size();) {
    const size_t comma = std::min(list.find(',', start), list.size());
    const std::string name = list.substr(start, comma - start);
    start = comma + 1;
    if (attention.rtl == arch::RtlKind::KvSchedule && name == attention.name) {
      found = true;
    } else if (!name.empty()) {
      rest += (rest.empty() ? "" : ",") + name;
    }
  }
  list = rest;
  return found;
}

Selection select_units(const RtlArgs& args, const model::LlamaModel& model) {
  const arch::ChipConfig config = resolve_chip_config(args.config, args.sets);
  if (args.layer < 0 || static_cast<size_t>(args.layer) >= model.layers().size()) {
    throw std::invalid_argument(fmt::format("--layer {} is outside the model (0-{})", args.layer,
                                            model.layers().size() - 1));
  }
  std::optional<rtl::RowRange> rows;
  if (args.rows) rows = rtl::parse_row_range(*args.rows);
  Selection sel;
  std::string matvec_list = args.units;
  if (take_kv_unit(matvec_list)) {
    rtl::KvScheduleSpec kv;
    kv.module = fmt::format("layer{}_attention", args.layer);
    const model::LlamaShape& shape = model.shape();
    kv.shape = {shape.n_head, shape.n_head_kv, shape.head_dim()};
    kv.kv = config.kv_sram;
    kv.datapath = config.datapath;
    kv.positions = args.positions;
    kv.extra_cycle = args.fault_cycle;
    rtl::kv_schedule_geometry(kv);  // range checks before anything is written
    sel.kv = kv;
  } else if (args.fault_cycle) {
    throw std::invalid_argument("--inject-cycle needs the attention unit in --units");
  }
  if (!matvec_list.empty() || args.lm_head || !sel.kv) {
    sel.units = rtl::parse_matvec_units(matvec_list, args.lm_head);
  }
  const auto profile = *numerics::parse_cpu_profile(args.profile);
  for (rtl::MatvecUnit u : sel.units) {
    sel.specs.push_back(rtl::matvec_unit_spec(model, static_cast<size_t>(args.layer), u, rows,
                                              config.datapath, profile));
  }
  if (args.fault) {
    if (sel.specs.empty()) throw std::invalid_argument("--inject-fault needs a matvec unit");
    const size_t colon = args.fault->find(':');
    try {
      if (colon == std::string::npos) throw std::invalid_argument("no colon");
      sel.specs.front().fault_row = std::stoll(args.fault->substr(0, colon));
      sel.specs.front().fault_col = std::stoll(args.fault->substr(colon + 1));
    } catch (const std::exception&) {
      throw std::invalid_argument("--inject-fault " + *args.fault + ": expected ROW:COL");
    }
  }
  // Geometry checks (lanes, weight types) before anything is written.
  for (const auto& spec : sel.specs) {
    const rtl::MatvecGeometry g = rtl::matvec_geometry(spec);
    if (spec.fault_row >= 0 &&
        (spec.fault_row >= g.rows || spec.fault_col < 0 || spec.fault_col >= g.cols)) {
      throw std::invalid_argument(fmt::format("--inject-fault {}: {} has rows 0-{}, columns 0-{}",
                                              *args.fault, spec.module, g.rows - 1, g.cols - 1));
    }
  }
  return sel;
}

int run_rtl(const RtlArgs& args) {
  const gguf::GgufFile file = gguf::GgufFile::open(args.model);
  const model::LlamaModel model(file);
  const Selection sel = select_units(args, model);
  if (sel.kv) {
    const auto paths = rtl::write_kv_sources(*sel.kv, args.out);
    arch::ChipConfig config;
    config.kv_sram = sel.kv->kv;
    config.datapath = sel.kv->datapath;
    const arch::UnitTiming t = arch::attention_timing(sel.kv->positions, sel.kv->shape, config);
    std::printf("%s: KV SRAM schedule, %u banks, n_pos %llu: latency %llu, interval %llu -> %s\n",
                sel.kv->module.c_str(), sel.kv->kv.banks,
                static_cast<unsigned long long>(sel.kv->positions),
                static_cast<unsigned long long>(t.latency),
                static_cast<unsigned long long>(t.interval), paths.front().c_str());
  }
  for (const auto& spec : sel.specs) {
    const auto paths = rtl::write_unit_sources(spec, args.out);
    const rtl::MatvecGeometry g = rtl::matvec_geometry(spec);
    std::printf("%s: %lld rows x %lld cols, %u lanes, latency %llu, interval %llu -> %s\n",
                spec.module.c_str(), static_cast<long long>(g.rows), static_cast<long long>(g.cols),
                g.lanes, static_cast<unsigned long long>(g.formula.latency),
                static_cast<unsigned long long>(g.formula.interval), paths.front().c_str());
  }
  if (!sel.specs.empty()) {
    std::printf(
        "build one: verilator --cc --exe --build -Wno-fatal --top-module MODULE "
        "etchsim_fp32.v MODULE.v tb_MODULE.cpp (etchsim rtl-check does it and runs it)\n");
  }
  if (sel.kv) {
    std::printf(
        "build the KV schedule: verilator --cc --exe --build -Wno-fatal --top-module MODULE "
        "MODULE.v tb_MODULE.cpp; run obj_dir/VMODULE RESULT.json (etchsim rtl-check does it)\n");
  }
  return 0;
}

int run_rtl_check(const RtlArgs& args) {
  const gguf::GgufFile file = gguf::GgufFile::open(args.model);
  const model::LlamaModel model(file);
  const Selection sel = select_units(args, model);
  const std::vector<int32_t> tokens = parse_token_list(args.tokens);
  const auto profile = *numerics::parse_cpu_profile(args.profile);
  const golden::LayerDatapath datapath(model, profile, numerics::Kernel::Fast);
  std::vector<rtl::UnitStimulus> stimuli;
  if (!sel.units.empty()) {
    stimuli = rtl::golden_stimulus(datapath, static_cast<size_t>(args.layer), tokens, sel.units,
                                   sel.specs);
  }
  std::string dir = args.out;
  std::unique_ptr<std::string, void (*)(std::string*)> cleanup(nullptr, [](std::string* d) {
    std::error_code ec;
    std::filesystem::remove_all(*d, ec);
    delete d;
  });
  if (dir.empty()) {
    char tmpl[] = "/tmp/etchsim-rtl-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("cannot create a temporary directory");
    dir = tmpl;
    cleanup.reset(new std::string(dir));
  }
  nlohmann::json units = nlohmann::json::array();
  bool ok = true;
  if (sel.kv) {
    const std::string name(arch::unit_info(golden::LayerUnit::Attention).name);
    spdlog::info("rtl-check: {} (KV schedule, n_pos 1-{}): verilator build and run", sel.kv->module,
                 sel.kv->positions + 1);
    const rtl::KvCheck c = rtl::check_kv_schedule(*sel.kv, name, dir, args.jobs);
    ok = ok && c.passed();
    units.push_back({{"name", c.name},
                     {"module", c.module},
                     {"positions", c.positions},
                     {"tokens", c.tokens},
                     {"latency", c.latency},
                     {"formula_latency", c.formula.latency},
                     {"interval", c.interval},
                     {"formula_interval", c.formula.interval},
                     {"timing_mismatches", c.timing_mismatches},
                     {"outputs", c.outputs},
                     {"row_mismatches", c.row_mismatches},
                     {"sram_hazard", c.hazard},
                     {"cycles", c.cycles},
                     {"verilator_build_s", c.build_seconds},
                     {"sim_s", c.sim_seconds},
                     {"passed", c.passed()}});
  }
  for (size_t i = 0; i < sel.specs.size(); ++i) {
    const std::string name(sel.units[i]->name);
    spdlog::info("rtl-check: {} ({} rows): verilator build and run", sel.specs[i].module,
                 rtl::matvec_geometry(sel.specs[i]).rows);
    const rtl::UnitCheck c = rtl::check_unit(sel.specs[i], name, stimuli[i], dir, args.jobs);
    ok = ok && c.passed();
    units.push_back({{"name", c.name},
                     {"module", c.module},
                     {"rows", c.rows},
                     {"tokens", c.tokens},
                     {"latency", c.latency},
                     {"formula_latency", c.formula.latency},
                     {"interval", c.interval},
                     {"formula_interval", c.formula.interval},
                     {"outputs", c.outputs},
                     {"int_mismatches", c.int_mismatches},
                     {"fp32_mismatches", c.fp32_mismatches},
                     {"terms_checked", c.terms_checked},
                     {"cycles", c.cycles},
                     {"verilator_build_s", c.build_seconds},
                     {"sim_s", c.sim_seconds},
                     {"passed", c.passed()}});
  }
  const nlohmann::json report{{"model", args.model},      {"layer", args.layer}, {"tokens", tokens},
                              {"numerics", args.profile}, {"passed", ok},        {"units", units}};
  std::printf("%s\n", report.dump(2).c_str());
  return ok ? 0 : 3;
}

void add_common(CLI::App& app, RtlArgs& args) {
  add_rtl_unit_options(app, args);
  app.add_option("--positions", args.positions,
                 "The attention unit's KV schedule (--units attention): n_pos it is reported at; "
                 "rtl-check runs tokens at n_pos 1 to this + 1")
      ->check(CLI::Range(uint64_t{1}, rtl::kMaxKvPositions))
      ->capture_default_str();
  app.add_option("--numerics", args.profile,
                 "Which llama.cpp CPU build's orders to follow: haswell or zen4")
      ->check(CLI::IsMember({"haswell", "zen4"}))
      ->capture_default_str();
}

}  // namespace

CommandRunner register_rtl(CLI::App& app) {
  auto args = std::make_shared<RtlArgs>();
  add_common(app, *args);
  app.add_option("-o,--out", args->out, "Directory for the .v files and testbenches")->required();
  return [args] { return run_rtl(*args); };
}

CommandRunner register_rtl_check(CLI::App& app) {
  auto args = std::make_shared<RtlArgs>();
  add_common(app, *args);
  app.add_option("--tokens", args->tokens,
                 "Token ids golden runs to make the units' activations: 1,2,3")
      ->capture_default_str();
  app.add_option("-o,--out", args->out,
                 "Keep the generated RTL, builds and logs here (default: a temporary directory, "
                 "removed afterwards)");
  app.add_option(
      "--inject-fault", args->fault,
      "Testing the checker: flip one weight code (unit row ROW, column COL) of the first "
      "unit's RTL; rtl-check must then fail");
  app.add_flag("--inject-cycle", args->fault_cycle,
               "Testing the checker: one more register in the attention unit's KV schedule RTL "
               "(latency + 1); rtl-check must then fail");
  app.add_option("-j,--jobs", args->jobs, "Parallel C++ compile jobs for Verilator's build")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  return [args] { return run_rtl_check(*args); };
}

}  // namespace etchsim::cli
