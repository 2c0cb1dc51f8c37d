#include "sweep_table.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>

#include "etchsim/arch/config_error.hpp"
#include "etchsim/arch/config_keys.hpp"

namespace etchsim::cli::sweep {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    const size_t pos = s.find(sep, start);
    parts.push_back(s.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) return parts;
    start = pos + 1;
  }
}

template <typename T>
bool parse_whole(std::string_view s, T& value) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

// Digits after the decimal point, or -1 when the text has an exponent.
int decimals(std::string_view s) {
  if (s.find_first_of("eE") != std::string_view::npos) return -1;
  const size_t dot = s.find('.');
  return dot == std::string_view::npos ? 0 : static_cast<int>(s.size() - dot - 1);
}

std::string format_real(double v, int places) {
  if (places < 0) return fmt::format("{}", v);
  std::string s = fmt::format("{:.{}f}", v, places);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

void flatten_into(const Json& object, const std::string& prefix, Row& row) {
  for (const auto& [name, value] : object.items()) {
    const std::string column = prefix.empty() ? name : prefix + "." + name;
    if (value.is_object()) {
      flatten_into(value, column, row);
    } else if (value.is_number() || value.is_string() || value.is_boolean()) {
      row.emplace_back(column, value);
    }  // arrays and nulls: skipped
  }
}

}  // namespace

std::vector<std::string> expand_range(std::string_view text) {
  const std::vector<std::string_view> parts = split(text, ':');
  if (parts.size() != 3) {
    throw std::invalid_argument(fmt::format("bad range '{}': expected FROM:TO:STEP", text));
  }
  const std::string_view from_s = trim(parts[0]);
  const std::string_view to_s = trim(parts[1]);
  const std::string_view step_s = trim(parts[2]);
  std::vector<std::string> values;
  int64_t from_i = 0;
  int64_t to_i = 0;
  int64_t step_i = 0;
  if (parse_whole(from_s, from_i) && parse_whole(to_s, to_i) && parse_whole(step_s, step_i)) {
    if (step_i == 0) throw std::invalid_argument(fmt::format("bad range '{}': STEP is 0", text));
    if ((to_i - from_i) / step_i < 0 || (to_i != from_i && (to_i > from_i) != (step_i > 0))) {
      throw std::invalid_argument(
          fmt::format("bad range '{}': STEP does not lead from FROM to TO", text));
    }
    const int64_t count = (to_i - from_i) / step_i + 1;
    if (static_cast<uint64_t>(count) > kMaxPoints) {
      throw std::invalid_argument(fmt::format("bad range '{}': {} values", text, count));
    }
    for (int64_t i = 0; i < count; ++i) values.push_back(std::to_string(from_i + i * step_i));
    return values;
  }
  double from = 0;
  double to = 0;
  double step = 0;
  if (!parse_whole(from_s, from) || !parse_whole(to_s, to) || !parse_whole(step_s, step) ||
      !std::isfinite(from) || !std::isfinite(to) || !std::isfinite(step)) {
    throw std::invalid_argument(
        fmt::format("bad range '{}': FROM, TO and STEP must be numbers", text));
  }
  if (step == 0) throw std::invalid_argument(fmt::format("bad range '{}': STEP is 0", text));
  const double span = (to - from) / step;
  if (span < -1e-9) {
    throw std::invalid_argument(
        fmt::format("bad range '{}': STEP does not lead from FROM to TO", text));
  }
  // TO is included when it lands on a step, up to rounding in the last bits.
  const double steps = std::floor(span + 1e-9);
  if (steps + 1 > static_cast<double>(kMaxPoints)) {
    throw std::invalid_argument(fmt::format("bad range '{}': {:.0f} values", text, steps + 1));
  }
  const int places = std::max({decimals(from_s), decimals(to_s), decimals(step_s)});
  const bool exponent =
      decimals(from_s) < 0 || decimals(to_s) < 0 || decimals(step_s) < 0;  // shortest form
  for (int64_t i = 0; i <= static_cast<int64_t>(steps); ++i) {
    const double v = from + static_cast<double>(i) * step;
    values.push_back(format_real(v, exponent ? -1 : places));
  }
  return values;
}

std::vector<std::string> parse_values(std::string_view text) {
  text = trim(text);
  if (text.find(':') != std::string_view::npos && text.find(',') == std::string_view::npos) {
    return expand_range(text);
  }
  std::vector<std::string> values;
  for (const std::string_view part : split(text, ',')) {
    const std::string_view v = trim(part);
    if (v.empty()) throw std::invalid_argument(fmt::format("empty value in '{}'", text));
    if (v.find(':') != std::string_view::npos) {
      throw std::invalid_argument(
          fmt::format("'{}': a range FROM:TO:STEP cannot be mixed with a list", text));
    }
    values.emplace_back(v);
  }
  return values;
}

std::string resolve_key(std::string_view name) {
  try {
    return std::string(arch::resolve_config_key(trim(name), "--vary").key);
  } catch (const arch::ConfigError& e) {
    throw std::invalid_argument(e.what());
  }
}

Axis parse_vary(std::string_view spec) {
  const size_t eq = spec.find('=');
  if (eq == std::string_view::npos) {
    throw std::invalid_argument(
        fmt::format("--vary '{}': expected key=v1,v2,... or "
                    "key=FROM:TO:STEP",
                    spec));
  }
  Axis axis;
  try {
    const std::string_view key = spec.substr(0, eq);
    axis.key = key == kSchemeAxis ? std::string(key) : resolve_key(key);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(fmt::format("--vary {}: {}", spec, e.what()));
  }
  try {
    axis.values = parse_values(spec.substr(eq + 1));
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(fmt::format("--vary {}: {}", axis.key, e.what()));
  }
  return axis;
}

size_t point_count(std::span<const Axis> axes) {
  std::set<std::string> seen;
  size_t n = 1;
  for (const Axis& axis : axes) {
    if (!seen.insert(axis.key).second) {
      throw std::invalid_argument(fmt::format("--vary {} is given twice", axis.key));
    }
    if (axis.values.empty())
      throw std::invalid_argument(fmt::format("--vary {}: no values", axis.key));
    if (n > kMaxPoints / axis.values.size()) {
      throw std::invalid_argument(fmt::format("the sweep has more than {} points", kMaxPoints));
    }
    n *= axis.values.size();
  }
  return n;
}

std::vector<std::string> point_values(std::span<const Axis> axes, size_t index) {
  std::vector<std::string> values(axes.size());
  for (size_t a = axes.size(); a-- > 0;) {
    const size_t n = axes[a].values.size();
    values[a] = axes[a].values[index % n];
    index /= n;
  }
  return values;
}

Row flatten_report(const Json& report) {
  Row row;
  if (report.is_object()) flatten_into(report, "", row);
  return row;
}

Json cell_from_text(std::string_view text) {
  if (text.empty()) return nullptr;
  if (text == "true") return true;
  if (text == "false") return false;
  int64_t i = 0;
  if (text.front() != '+' && parse_whole(text, i)) return i;
  double d = 0;
  if (text.front() != '+' && text.find_first_not_of("0123456789+-.eE") == std::string_view::npos &&
      parse_whole(text, d) && std::isfinite(d)) {
    return d;
  }
  return std::string(text);
}

std::string cell_text(const Json& cell) {
  if (cell.is_null()) return "";
  if (cell.is_string()) return cell.get<std::string>();
  return cell.dump();
}

std::string csv_quote(std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(field);
  std::string out = "\"";
  for (const char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

Table make_table(std::vector<Row> rows) {
  auto point_of = [](const Row& row) -> int64_t {
    for (const auto& [column, value] : row) {
      if (column == "point" && value.is_number_integer()) return value.get<int64_t>();
    }
    return -1;
  };
  std::stable_sort(rows.begin(), rows.end(),
                   [&](const Row& a, const Row& b) { return point_of(a) < point_of(b); });
  std::set<int64_t> points;
  for (const Row& row : rows) {
    const int64_t p = point_of(row);
    if (p >= 0 && !points.insert(p).second) {
      throw std::invalid_argument(fmt::format("point {} appears twice", p));
    }
  }
  Table table;
  std::set<std::string> seen;
  bool status = false;
  bool error = false;
  for (const Row& row : rows) {
    for (const auto& [column, value] : row) {
      if (column == "status") {
        status = true;
      } else if (column == "error") {
        error = true;
      } else if (seen.insert(column).second) {
        table.columns.push_back(column);
      }
    }
  }
  if (status) table.columns.emplace_back("status");
  if (error) table.columns.emplace_back("error");
  table.rows = std::move(rows);
  return table;
}

namespace {

std::vector<Json> row_cells(const Table& table, const Row& row) {
  std::map<std::string_view, const Json*> by_name;
  for (const auto& [column, value] : row) by_name.emplace(column, &value);
  std::vector<Json> cells;
  for (const std::string& column : table.columns) {
    const auto it = by_name.find(column);
    cells.push_back(it == by_name.end() ? Json(nullptr) : *it->second);
  }
  return cells;
}

}  // namespace

std::string to_csv(const Table& table) {
  std::string out;
  for (size_t c = 0; c < table.columns.size(); ++c) {
    if (c > 0) out += ',';
    out += csv_quote(table.columns[c]);
  }
  out += '\n';
  for (const Row& row : table.rows) {
    const std::vector<Json> cells = row_cells(table, row);
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c > 0) out += ',';
      out += csv_quote(cell_text(cells[c]));
    }
    out += '\n';
  }
  return out;
}

std::string to_json(const Table& table) {
  Json array = Json::array();
  for (const Row& row : table.rows) {
    const std::vector<Json> cells = row_cells(table, row);
    Json object = Json::object();
    for (size_t c = 0; c < cells.size(); ++c) object[table.columns[c]] = cells[c];
    array.push_back(std::move(object));
  }
  return array.dump(2) + "\n";
}

std::vector<std::vector<std::string>> parse_csv(std::string_view text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false;
  bool field_started = false;
  auto end_field = [&] {
    record.push_back(std::move(field));
    field.clear();
    field_started = false;
  };
  auto end_record = [&] {
    end_field();
    records.push_back(std::move(record));
    record.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        field += c;
      }
    } else if (c == '"' && !field_started && field.empty()) {
      quoted = true;
      field_started = true;
    } else if (c == ',') {
      end_field();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_record();
    } else {
      field += c;
      field_started = true;
    }
  }
  if (quoted) throw std::invalid_argument("CSV: a quoted field is not closed");
  if (field_started || !field.empty() || !record.empty()) end_record();
  return records;
}

std::vector<Row> rows_from_csv(std::string_view text) {
  const std::vector<std::vector<std::string>> records = parse_csv(text);
  if (records.empty()) throw std::invalid_argument("CSV: no header line");
  const std::vector<std::string>& header = records.front();
  std::vector<Row> rows;
  for (size_t r = 1; r < records.size(); ++r) {
    if (records[r].size() != header.size()) {
      throw std::invalid_argument(fmt::format("CSV: record {} has {} fields, the header {}", r + 1,
                                              records[r].size(), header.size()));
    }
    Row row;
    for (size_t c = 0; c < header.size(); ++c) {
      Json cell = header[c] == "error" || header[c] == "status"
                      ? (records[r][c].empty() ? Json(nullptr) : Json(records[r][c]))
                      : cell_from_text(records[r][c]);
      row.emplace_back(header[c], std::move(cell));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<Row> rows_from_json(std::string_view text) {
  const Json array = Json::parse(text);
  if (!array.is_array()) throw std::invalid_argument("JSON: expected an array of rows");
  std::vector<Row> rows;
  for (const Json& object : array) {
    if (!object.is_object()) throw std::invalid_argument("JSON: expected an array of objects");
    Row row;
    for (const auto& [column, value] : object.items()) row.emplace_back(column, value);
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace etchsim::cli::sweep
