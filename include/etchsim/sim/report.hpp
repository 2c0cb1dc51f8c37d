// The outputs of one run (docs/run.md): the JSON report with stable field names, written
// atomically, and the human summary table `etchsim run` prints.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "etchsim/sim/run.hpp"

namespace etchsim::sim {

// model, mode, clocking, config (every key of the resolved chip config, nested by section),
// clock_hz, cycles_total, seconds, tokens_generated, users[], tokens_per_s_per_user,
// tokens_per_s_aggregate, layers[], kv_sram, cells, simulation. Units in docs/run.md.
nlohmann::json report_json(const RunResult& result);

// Writes report_json(result), pretty-printed, under a temporary name in the same directory and
// renames it over `path`: on any error nothing is left behind. Throws std::runtime_error naming
// the path.
void write_report(const std::filesystem::path& path, const RunResult& result);

// A table for people: per user the prompt and generated tokens, TTFT, TPOT and tokens/s; then
// cycles, seconds, tokens/s per user and aggregate, KV SRAM peak / capacity, the busiest layer.
// `prompt_tokens[i]` is user i's prompt length (RunResult does not carry it); missing entries
// print as "-".
std::string summary_table(const RunResult& result, const std::vector<size_t>& prompt_tokens = {});

}  // namespace etchsim::sim
