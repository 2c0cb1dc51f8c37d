// etchsim command line: one subcommand per job. Errors print one line to stderr and exit 1.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <string>
#include <systemc>  // declares extern "C" sc_main

#include "etchsim/cli/commands.hpp"

// etchsim's command line is SystemC's sc_main (IEEE 1666 §4.3), so `run` can elaborate and
// simulate a chip. main() only silences SystemC's banner first (it would precede every
// command's output on stderr) and hands over to the SystemC kernel's entry.
int main(int argc, char* argv[]) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  return sc_core::sc_elab_and_sim(argc, argv);
}

int sc_main(int argc, char* argv[]) {
  // Logs go to stderr so stdout carries only results (reports, JSON).
  spdlog::set_default_logger(spdlog::stderr_color_mt("etchsim"));
  spdlog::set_pattern("[%l] %v");

  CLI::App app{
      "etchsim: cycle-accurate SystemC/TLM-2.0 simulator of a hard-wired LLM inference chip.\n"
      "Models are GGUF files (llama.cpp's format); `etchsim synth` writes random-weight ones."};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("etchsim ") + ETCHSIM_VERSION);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));

  std::map<CLI::App*, etchsim::cli::CommandRunner> runners;
  auto add = [&](auto register_fn, const char* name, const char* help) {
    CLI::App* sub = app.add_subcommand(name, help);
    runners[sub] = register_fn(*sub);
  };
  add(etchsim::cli::register_synth, "synth",
      "Write a Llama-architecture GGUF with seeded random weights");
  add(etchsim::cli::register_synth_lora, "synth-lora",
      "Write a LoRA adapter GGUF with seeded random weights for a base model");
  add(etchsim::cli::register_inspect, "inspect",
      "Show a GGUF file's metadata, tensor table and totals");
  add(etchsim::cli::register_quantize, "quantize",
      "Requantize a Llama GGUF into a chip weight scheme, byte for byte as llama-quantize");
  add(etchsim::cli::register_perplexity, "perplexity",
      "Perplexity (and KL divergence from a base model) of a text with the chip's numerics");
  add(etchsim::cli::register_golden, "golden",
      "Golden forward pass: log-probabilities, generation");
  add(etchsim::cli::register_run, "run",
      "Simulate the chip: tokens, cycles, tokens/s (no model: the flagship timing run)");
  add(etchsim::cli::register_compare, "compare",
      "The chip's flagship run next to a GPU roofline baseline (h100, h200, b200)");
  add(etchsim::cli::register_sweep, "sweep",
      "Run the chip over the cartesian product of config values: one CSV/JSON row per point");
  add(etchsim::cli::register_rtl, "rtl",
      "Write SystemVerilog of a layer's matvec units, generated from the weights, with "
      "testbenches");
  add(etchsim::cli::register_rtl_check, "rtl-check",
      "Build the generated RTL with Verilator and check values (golden) and cycles (arch/)");
  add(etchsim::cli::register_rtl_area, "rtl-area", "arch/'s area of the units etchsim rtl writes");
  add(etchsim::cli::register_trace_summary, "trace-summary",
      "Per layer and unit: busy, stalled, waiting and idle cycles from a run's VCD alone");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  spdlog::set_level(spdlog::level::from_str(log_level));
  try {
    for (auto& [sub, run] : runners) {
      if (sub->parsed()) return run();
    }
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "etchsim: error: %s\n", e.what());
    return 1;
  }
  return 1;
}
