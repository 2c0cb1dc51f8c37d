// Subcommands of the etchsim command line. Each registers its options on the app and returns
// the function that runs it (exit code).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace etchsim::cli {

using CommandRunner = std::function<int()>;

CommandRunner register_synth(CLI::App& app);
CommandRunner register_synth_lora(CLI::App& app);
CommandRunner register_inspect(CLI::App& app);
CommandRunner register_quantize(CLI::App& app);
CommandRunner register_perplexity(CLI::App& app);
CommandRunner register_golden(CLI::App& app);
CommandRunner register_run(CLI::App& app);
CommandRunner register_compare(CLI::App& app);
CommandRunner register_sweep(CLI::App& app);
CommandRunner register_rtl(CLI::App& app);
CommandRunner register_rtl_check(CLI::App& app);
CommandRunner register_rtl_area(CLI::App& app);
CommandRunner register_trace_summary(CLI::App& app);

}  // namespace etchsim::cli
