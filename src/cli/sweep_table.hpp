// The pure parts of `etchsim sweep` (docs/sweep.md): `--vary` parsing (value lists, FROM:TO:STEP
// ranges, short key names), the cartesian product of the axes, the flattening of a JSON report
// into one row, and the table of rows written as CSV (RFC 4180 quoting) or JSON and read back
// (`--merge`). No SystemC, no processes: unit-tested directly (tests/cli/test_sweep.cpp).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace etchsim::cli::sweep {

using Json = nlohmann::ordered_json;  // keeps the report's own field order

// `--vary scheme=mix36,q4_k,...`: not a config key but the weight scheme the model file is
// quantized into for the point (sweep_schemes.hpp); its column is `scheme`.
inline constexpr std::string_view kSchemeAxis = "scheme";

// One `--vary`: a full config key (or kSchemeAxis) and its values as TOML text, in the order given.
struct Axis {
  std::string key;
  std::vector<std::string> values;
};

// Most points one sweep may have, and most values one range may expand to.
inline constexpr size_t kMaxPoints = 1'000'000;

// `FROM:TO:STEP` -> the values FROM, FROM+STEP, ... up to TO (inclusive when TO lands on a step).
// Integers when all three are integers, else reals printed with the inputs' decimals. STEP must
// not be 0 and must point from FROM towards TO. Throws std::invalid_argument.
std::vector<std::string> expand_range(std::string_view text);
// `v1,v2,...` or one `FROM:TO:STEP` range. Throws std::invalid_argument on an empty value.
std::vector<std::string> parse_values(std::string_view text);
// The configuration key `name` means, as `--set` resolves it (arch::resolve_config_key): the
// dotted key, or the part after the dot of exactly one key. Throws std::invalid_argument naming
// the key (unknown, with the nearest keys, or ambiguous, with the candidates).
std::string resolve_key(std::string_view name);
// `KEY=VALUES`: KEY resolved by resolve_key(), or kSchemeAxis as it is.
Axis parse_vary(std::string_view spec);

// Product of the axes' sizes; throws std::invalid_argument above kMaxPoints or on a repeated key.
size_t point_count(std::span<const Axis> axes);
// The values of point `index` (one per axis); the last axis varies fastest.
std::vector<std::string> point_values(std::span<const Axis> axes, size_t index);

// One row: ordered (column, value) cells.
using Row = std::vector<std::pair<std::string, Json>>;

// The report's scalars (numbers, strings, booleans) as cells: top-level fields by name, fields of
// nested objects as dotted names (`kv_sram.peak_bytes`, `config.clock.clock_mhz`). Arrays
// (`users[]`, `layers[]`) and nulls are skipped.
Row flatten_report(const Json& report);

// TOML/CSV text as a JSON value: "" -> null, true/false -> boolean, a number -> number, else
// string.
Json cell_from_text(std::string_view text);
// A cell as CSV text (before quoting): null -> "", strings as they are, numbers as JSON prints
// them.
std::string cell_text(const Json& cell);
// RFC 4180: quoted (with doubled quotes) when it holds a comma, a quote, CR or LF.
std::string csv_quote(std::string_view field);

struct Table {
  std::vector<std::string> columns;
  std::vector<Row> rows;
};

// Rows sorted by their `point` cell; columns the union of every row's columns in first-seen
// order, with `status` and `error` last. Throws std::invalid_argument on a repeated point.
Table make_table(std::vector<Row> rows);
std::string to_csv(const Table& table);
// An array of objects, every column in every object (null where a row has no value).
std::string to_json(const Table& table);

// Reads a table written by to_csv() or to_json() back into rows (for `--merge`).
std::vector<Row> rows_from_csv(std::string_view text);
std::vector<Row> rows_from_json(std::string_view text);
// CSV records (RFC 4180: quoted fields, doubled quotes, CRLF or LF line ends).
std::vector<std::vector<std::string>> parse_csv(std::string_view text);

}  // namespace etchsim::cli::sweep
