#include "etchsim/sim/workload.hpp"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace etchsim::sim {
namespace {

using nlohmann::json;

template <typename T>
T unsigned_field(const json& value, const std::string& where, const char* field) {
  if (!value.is_number_integer() || (!value.is_number_unsigned() && value.get<int64_t>() < 0)) {
    throw std::invalid_argument(
        fmt::format("{}: \"{}\" must be a non-negative integer", where, field));
  }
  const uint64_t v = value.get<uint64_t>();
  if (v > std::numeric_limits<T>::max()) {
    throw std::invalid_argument(fmt::format("{}: \"{}\" is too large ({})", where, field, v));
  }
  return static_cast<T>(v);
}

WorkloadRequest parse_request(const std::string& line, const std::string& where) {
  json j;
  try {
    j = json::parse(line);
  } catch (const json::parse_error& e) {
    throw std::invalid_argument(fmt::format("{}: not valid JSON ({})", where, e.what()));
  }
  if (!j.is_object()) throw std::invalid_argument(fmt::format("{}: expected a JSON object", where));
  WorkloadRequest r;
  bool has_max_tokens = false;
  for (const auto& [key, value] : j.items()) {
    if (key == "prompt") {
      if (!value.is_string())
        throw std::invalid_argument(fmt::format("{}: \"prompt\" must be a string", where));
      r.prompt_text = value.get<std::string>();
    } else if (key == "tokens") {
      if (!value.is_array())
        throw std::invalid_argument(fmt::format("{}: \"tokens\" must be an array of ids", where));
      for (const json& id : value) {
        r.tokens.push_back(static_cast<int32_t>(unsigned_field<uint32_t>(id, where, "tokens")));
      }
      if (r.tokens.empty())
        throw std::invalid_argument(fmt::format("{}: \"tokens\" is empty", where));
    } else if (key == "max_tokens") {
      r.max_tokens = unsigned_field<uint32_t>(value, where, "max_tokens");
      has_max_tokens = true;
    } else if (key == "adapter") {
      if (!value.is_string() || value.get<std::string>().empty())
        throw std::invalid_argument(
            fmt::format("{}: \"adapter\" must be a non-empty string (a name or path)", where));
      r.adapter = value.get<std::string>();
    } else if (key == "arrival_cycle") {
      r.arrival_cycle = unsigned_field<uint64_t>(value, where, "arrival_cycle");
      if (r.arrival_cycle > kMaxArrivalCycle) {
        throw std::invalid_argument(
            fmt::format("{}: \"arrival_cycle\" {} is beyond the last cycle a run can reach "
                        "(2^50 = {})",
                        where, r.arrival_cycle, kMaxArrivalCycle));
      }
    } else {
      throw std::invalid_argument(fmt::format(
          "{}: unknown field \"{}\" (known: prompt, tokens, max_tokens, adapter, arrival_cycle)",
          where, key));
    }
  }
  if (r.prompt_text.has_value() == !r.tokens.empty()) {
    throw std::invalid_argument(
        fmt::format("{}: give exactly one of \"prompt\" (text) and \"tokens\" (ids)", where));
  }
  if (!has_max_tokens)
    throw std::invalid_argument(fmt::format("{}: \"max_tokens\" is missing", where));
  return r;
}

}  // namespace

std::vector<WorkloadRequest> parse_workload_jsonl(std::istream& in, const std::string& source) {
  std::vector<WorkloadRequest> requests;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    requests.push_back(parse_request(line, fmt::format("{} line {}", source, number)));
  }
  if (requests.empty()) throw std::invalid_argument(fmt::format("{}: no requests", source));
  return requests;
}

std::vector<WorkloadRequest> load_workload_jsonl(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument(fmt::format("cannot open the workload file {}", path));
  return parse_workload_jsonl(in, path);
}

std::vector<WorkloadRequest> synthetic_workload(uint32_t users, uint32_t prompt_len,
                                                uint32_t gen_len,
                                                std::optional<double> arrival_rate,
                                                double clock_hz) {
  if (users == 0) throw std::invalid_argument("a workload needs at least one user");
  if (prompt_len == 0) throw std::invalid_argument("the prompt needs at least one token");
  if (arrival_rate && !(*arrival_rate > 0 && std::isfinite(*arrival_rate))) {
    throw std::invalid_argument("--arrival-rate must be a positive number of requests per second");
  }
  std::vector<WorkloadRequest> requests(users);
  for (uint32_t i = 0; i < users; ++i) {
    requests[i].prompt_len = prompt_len;
    requests[i].max_tokens = gen_len;
    if (arrival_rate) {
      // Checked as a double first: a tiny rate puts later users beyond any cycle (or at inf).
      const double cycle = std::floor(static_cast<double>(i) * clock_hz / *arrival_rate);
      if (!(cycle <= static_cast<double>(kMaxArrivalCycle))) {
        throw std::invalid_argument(fmt::format(
            "--arrival-rate {:g} per second: user {} would arrive after {:g} cycles, beyond the "
            "last cycle a run can reach (2^50); use a higher rate or fewer users",
            *arrival_rate, i, cycle));
      }
      requests[i].arrival_cycle = static_cast<uint64_t>(cycle);
    }
  }
  return requests;
}

std::optional<std::vector<WorkloadRequest>> named_workload(const std::string& name) {
  if (name == "1k1k") return synthetic_workload(1, 1024, 1024, std::nullopt, 1.0);
  return std::nullopt;
}

std::vector<std::string> workload_names() { return {"1k1k"}; }

}  // namespace etchsim::sim
