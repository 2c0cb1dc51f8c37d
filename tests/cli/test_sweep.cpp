// `etchsim sweep`: the pure helpers (ranges, keys, the product, flattening, CSV) directly, and
// the command end to end: the acceptance sweep on configs/hc1.toml (short workload), a failing
// point, errors that write nothing, JSON output, --dry-run, --point and --merge.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "run_command.hpp"
#include "sweep_table.hpp"

namespace etchsim::cli::testing {
namespace {

using Strings = std::vector<std::string>;
namespace sw = etchsim::cli::sweep;

// ---- pure helpers ----------------------------------------------------------------------------

TEST(SweepRange, IntegersIncludeToWhenItLandsOnAStep) {
  EXPECT_EQ(sw::expand_range("500:2000:250"),
            (Strings{"500", "750", "1000", "1250", "1500", "1750", "2000"}));
  EXPECT_EQ(sw::expand_range("500:1900:250"),
            (Strings{"500", "750", "1000", "1250", "1500", "1750"}));
  EXPECT_EQ(sw::expand_range("8:8:4"), (Strings{"8"}));
  EXPECT_EQ(sw::expand_range("2000:500:-500"), (Strings{"2000", "1500", "1000", "500"}));
}

TEST(SweepRange, RealsKeepTheInputsDecimalsWithoutDrift) {
  EXPECT_EQ(sw::expand_range("0.1:0.5:0.1"), (Strings{"0.1", "0.2", "0.3", "0.4", "0.5"}));
  EXPECT_EQ(sw::expand_range("0.5:2:0.25"),
            (Strings{"0.5", "0.75", "1", "1.25", "1.5", "1.75", "2"}));
  EXPECT_EQ(sw::expand_range("256:1024:256.0"), (Strings{"256", "512", "768", "1024"}));
}

TEST(SweepRange, BadRangesAreErrors) {
  for (const char* bad : {"1:2:0", "2:1:1", "a:b:c", "1:2", "1:2:3:4", "1::1", "0.5:1:0"}) {
    EXPECT_THROW(sw::expand_range(bad), std::invalid_argument) << bad;
  }
  EXPECT_THROW(sw::expand_range("0:100000000:1"), std::invalid_argument);  // too many values
}

TEST(SweepValues, ListsAndRanges) {
  EXPECT_EQ(sw::parse_values("1, 2,3"), (Strings{"1", "2", "3"}));
  EXPECT_EQ(sw::parse_values("N6,N5"), (Strings{"N6", "N5"}));
  EXPECT_EQ(sw::parse_values("1:3:1"), (Strings{"1", "2", "3"}));
  EXPECT_THROW(sw::parse_values("1,,2"), std::invalid_argument);
  EXPECT_THROW(sw::parse_values(""), std::invalid_argument);
  EXPECT_THROW(sw::parse_values("1,2:3:1"), std::invalid_argument);
}

TEST(SweepKeys, ShortNamesResolveToTheUniqueKey) {
  EXPECT_EQ(sw::resolve_key("clock_mhz"), "clock.clock_mhz");
  EXPECT_EQ(sw::resolve_key(" activation_lanes "), "datapath.activation_lanes");
  EXPECT_EQ(sw::resolve_key("kv_sram.capacity_mib"), "kv_sram.capacity_mib");
}

TEST(SweepKeys, UnknownAndAmbiguousKeysAreErrorsNamingThem) {
  try {
    sw::resolve_key("capacity_mib");
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_TRUE(contains(what, "ambiguous")) << what;
    EXPECT_TRUE(contains(what, "kv_sram.capacity_mib")) << what;
    EXPECT_TRUE(contains(what, "lora_sram.capacity_mib")) << what;
  }
  for (const char* bad : {"no_such_key", "kv_sram.no_such_key", "clock"}) {
    try {
      sw::resolve_key(bad);
      FAIL() << "no error for " << bad;
    } catch (const std::invalid_argument& e) {
      EXPECT_TRUE(contains(e.what(), bad)) << e.what();
    }
  }
  EXPECT_THROW(sw::parse_vary("clock_mhz"), std::invalid_argument);  // no '='
}

TEST(SweepProduct, LastAxisVariesFastest) {
  const std::vector<sw::Axis> axes = {sw::parse_vary("clock_mhz=500,1000,1500"),
                                      sw::parse_vary("kv_sram.capacity_mib=256:512:256")};
  ASSERT_EQ(sw::point_count(axes), 6u);
  EXPECT_EQ(sw::point_values(axes, 0), (Strings{"500", "256"}));
  EXPECT_EQ(sw::point_values(axes, 1), (Strings{"500", "512"}));
  EXPECT_EQ(sw::point_values(axes, 2), (Strings{"1000", "256"}));
  EXPECT_EQ(sw::point_values(axes, 5), (Strings{"1500", "512"}));
  const std::vector<sw::Axis> twice = {sw::parse_vary("clock_mhz=1,2"),
                                       sw::parse_vary("clock.clock_mhz=3")};
  EXPECT_THROW(sw::point_count(twice), std::invalid_argument);
}

TEST(SweepFlatten, NestedObjectsAreDottedArraysSkippedOrderKept) {
  const auto report = sw::Json::parse(R"({"model":"tiny","cycles_total":42,"users":[{"x":1}],
      "kv_sram":{"peak_bytes":7,"capacity_bytes":8},"energy":{"split":{"cells":0.5}},
      "ok":true,"nothing":null})");
  const sw::Row row = sw::flatten_report(report);
  Strings names;
  for (const auto& [name, value] : row) names.push_back(name);
  EXPECT_EQ(names, (Strings{"model", "cycles_total", "kv_sram.peak_bytes", "kv_sram.capacity_bytes",
                            "energy.split.cells", "ok"}));
  EXPECT_EQ(row[4].second.get<double>(), 0.5);
}

TEST(SweepCsv, QuotingRoundTrips) {
  EXPECT_EQ(sw::csv_quote("plain"), "plain");
  EXPECT_EQ(sw::csv_quote("a,b"), "\"a,b\"");
  EXPECT_EQ(sw::csv_quote("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(sw::csv_quote("two\nlines"), "\"two\nlines\"");
  const auto records = sw::parse_csv("a,b,c\r\n\"x,1\",\"q\"\"\",\"l1\nl2\"\n,,\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1], (Strings{"x,1", "q\"", "l1\nl2"}));
  EXPECT_EQ(records[2], (Strings{"", "", ""}));
  EXPECT_THROW(sw::parse_csv("\"open"), std::invalid_argument);
}

TEST(SweepTable, ColumnsAreTheUnionInPointOrderWithStatusLast) {
  std::vector<sw::Row> rows;
  rows.push_back(
      {{"point", 1}, {"k", 2}, {"m1", 1.5}, {"m2", "x"}, {"status", "ok"}, {"error", nullptr}});
  rows.push_back({{"point", 0}, {"k", 1}, {"status", "error"}, {"error", "refused, full"}});
  rows.push_back(
      {{"point", 2}, {"k", 3}, {"m1", 2.5}, {"m3", 7}, {"status", "ok"}, {"error", nullptr}});
  const sw::Table table = sw::make_table(rows);
  EXPECT_EQ(table.columns, (Strings{"point", "k", "m1", "m2", "m3", "status", "error"}));
  const std::string csv = sw::to_csv(table);
  EXPECT_EQ(csv,
            "point,k,m1,m2,m3,status,error\n"
            "0,1,,,,error,\"refused, full\"\n"
            "1,2,1.5,x,,ok,\n"
            "2,3,2.5,,7,ok,\n");
  // Read back (the --merge path): the same table.
  EXPECT_EQ(sw::to_csv(sw::make_table(sw::rows_from_csv(csv))), csv);
  const std::string json = sw::to_json(table);
  EXPECT_EQ(sw::to_json(sw::make_table(sw::rows_from_json(json))), json);
  rows.push_back({{"point", 2}, {"status", "ok"}});
  EXPECT_THROW(sw::make_table(rows), std::invalid_argument);
}

// ---- the command -----------------------------------------------------------------------------

const std::string kSource = ETCHSIM_SOURCE_DIR;
const std::string kTiny =
    " --shape tiny --config " + kSource + "/configs/tiny.toml --prompt-len 16 -n 8";

std::vector<Strings> read_csv(const std::filesystem::path& p) {
  std::vector<Strings> records;
  for (auto& r : sw::parse_csv(read_all(p))) records.push_back(r);
  return records;
}

size_t column(const Strings& header, const std::string& name) {
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return i;
  }
  ADD_FAILURE() << "no column " << name;
  return 0;
}

TEST(CliSweep, AcceptanceSweepWritesOneCompleteRowPerPoint) {
  ScratchDir dir("sweep-accept");
  const auto csv = dir.path() / "s.csv";
  const auto r = run_etchsim("sweep --config " + kSource +
                                 "/configs/hc1.toml --vary clock_mhz=500,1000,1500 --vary "
                                 "kv_sram.capacity_mib=256,512 --prompt-len 16 -n 8 --jobs 2 -o " +
                                 csv.string(),
                             dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "6/6 done")) << r.err;  // the progress line
  const auto records = read_csv(csv);
  ASSERT_EQ(records.size(), 7u);
  const Strings& h = records[0];
  ASSERT_GE(h.size(), 6u);
  EXPECT_EQ(h[0], "point");
  EXPECT_EQ(h[1], "clock.clock_mhz");
  EXPECT_EQ(h[2], "kv_sram.capacity_mib");
  EXPECT_EQ(h[h.size() - 2], "status");
  EXPECT_EQ(h.back(), "error");
  const size_t tps = column(h, "tokens_per_s_per_user");
  const size_t cycles = column(h, "cycles_total");
  const size_t peak = column(h, "kv_sram.peak_bytes");
  const size_t cap = column(h, "kv_sram.capacity_bytes");
  const Strings clocks = {"500", "500", "1000", "1000", "1500", "1500"};
  const Strings caps = {"256", "512", "256", "512", "256", "512"};
  for (size_t p = 0; p < 6; ++p) {
    const Strings& row = records[p + 1];
    ASSERT_EQ(row.size(), h.size());
    EXPECT_EQ(row[0], std::to_string(p));
    EXPECT_EQ(row[1], clocks[p]);
    EXPECT_EQ(row[2], caps[p]);
    EXPECT_EQ(row[h.size() - 2], "ok");
    EXPECT_EQ(row.back(), "");
    for (size_t c = 0; c + 1 < h.size(); ++c) EXPECT_FALSE(row[c].empty()) << h[c] << " @" << p;
    EXPECT_EQ(row[cycles], records[1][cycles]);  // the clock changes seconds, not cycles
    EXPECT_GT(std::stod(row[peak]), 0.0);
    EXPECT_EQ(std::stod(row[cap]), std::stod(caps[p]) * 1024 * 1024);
  }
  // tokens/s per user scales with the clock.
  EXPECT_NEAR(std::stod(records[3][tps]) / std::stod(records[1][tps]), 2.0, 1e-9);
  EXPECT_NEAR(std::stod(records[5][tps]) / std::stod(records[1][tps]), 3.0, 1e-9);
}

TEST(CliSweep, AFailingPointIsRecordedAndTheOthersComplete) {
  ScratchDir dir("sweep-fail");
  const auto out = dir.path() / "s.json";
  // 0.001 MiB of KV SRAM cannot hold 24 tokens of the tiny model: that point is refused.
  const auto r = run_etchsim("sweep" + kTiny +
                                 " --vary kv_sram.capacity_mib=0.001,1 --vary "
                                 "datapath.activation_lanes=8,16 -o " +
                                 out.string(),
                             dir.path());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  const auto rows = nlohmann::json::parse(read_all(out));
  ASSERT_TRUE(rows.is_array());
  ASSERT_EQ(rows.size(), 4u);
  for (size_t p = 0; p < 4; ++p) {
    const auto& row = rows[p];
    EXPECT_EQ(row["point"], p);
    EXPECT_EQ(row["datapath.activation_lanes"], p % 2 == 0 ? 8 : 16);
    if (p < 2) {
      EXPECT_EQ(row["status"], "error");
      EXPECT_TRUE(row["error"].is_string());
      EXPECT_FALSE(row["error"].get<std::string>().empty());
      EXPECT_TRUE(row["cycles_total"].is_null());
    } else {
      EXPECT_EQ(row["status"], "ok") << row.dump();
      EXPECT_TRUE(row["error"].is_null());
      EXPECT_GT(row["cycles_total"].get<double>(), 0);
      EXPECT_GT(row["tokens_per_s_per_user"].get<double>(), 0);
    }
  }
  // Wider lanes: no more cycles.
  EXPECT_LE(rows[3]["cycles_total"].get<double>(), rows[2]["cycles_total"].get<double>());
}

TEST(CliSweep, BadKeysValuesAndRangesWriteNothing) {
  ScratchDir dir("sweep-errors");
  const auto csv = dir.path() / "s.csv";
  const std::string tail = kTiny + " -o " + csv.string();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--vary no_such_key=1,2", "no_such_key"},
      {"--vary kv_sram.no_such_key=1,2", "kv_sram.no_such_key"},
      {"--vary capacity_mib=1,2", "ambiguous"},
      {"--vary clock_mhz=500:2000:0", "500:2000:0"},
      {"--vary clock_mhz=2000:500:250", "2000:500:250"},
      {"--vary clock_mhz=500,0", "clock.clock_mhz"},
      {"--vary clock_mhz=500 --vary kv_sram.banks=1,0", "kv_sram.banks"},
      {"--vary clock_mhz=500 --set kv_sram.nope=3", "kv_sram.nope"},
  };
  for (const auto& [options, needle] : cases) {
    const auto r = run_etchsim("sweep " + options + tail, dir.path());
    EXPECT_NE(r.exit_code, 0) << options;
    EXPECT_TRUE(contains(r.err, needle)) << options << ": " << r.err;
    EXPECT_FALSE(std::filesystem::exists(csv)) << options;
  }
  const auto shape = run_etchsim(
      "sweep --vary clock_mhz=500 --shape no-such-shape -o " + csv.string(), dir.path());
  EXPECT_NE(shape.exit_code, 0);
  EXPECT_TRUE(contains(shape.err, "no-such-shape")) << shape.err;
  const auto r = run_etchsim("sweep --vary clock_mhz=500" + kTiny + " -o s.txt", dir.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.err, ".csv or .json")) << r.err;
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()),
            2);  // stdout.txt and stderr.txt only
}

TEST(CliSweep, DryRunListsThePointsAndPointPlusMergeEqualsTheSweep) {
  ScratchDir dir("sweep-split");
  const std::string sweep =
      "sweep" + kTiny + " --vary clock_mhz=250:1000:250 --vary datapath.activation_lanes=8,16";
  const auto list = run_etchsim(sweep + " --dry-run", dir.path());
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_TRUE(contains(list.out, "0 clock.clock_mhz=250 datapath.activation_lanes=8\n"))
      << list.out;
  EXPECT_TRUE(contains(list.out, "7 clock.clock_mhz=1000 datapath.activation_lanes=16\n"))
      << list.out;
  EXPECT_EQ(std::count(list.out.begin(), list.out.end(), '\n'), 8);

  // Points 5 and 2 alone (one as JSON), merged: rows in point order, like the full sweep's.
  const auto rows = dir.path() / "rows";
  std::filesystem::create_directories(rows);
  ASSERT_EQ(run_etchsim(sweep + " --point 5 -o " + (rows / "5.csv").string(), dir.path()).exit_code,
            0);
  ASSERT_EQ(
      run_etchsim(sweep + " --point 2 -o " + (rows / "2.json").string(), dir.path()).exit_code, 0);
  const auto merged = dir.path() / "m.csv";
  const auto m = run_etchsim("sweep --merge " + (rows / "5.csv").string() + " " +
                                 (rows / "2.json").string() + " -o " + merged.string(),
                             dir.path());
  ASSERT_EQ(m.exit_code, 0) << m.err;
  const auto full = dir.path() / "full.csv";
  ASSERT_EQ(run_etchsim(sweep + " -j 2 -o " + full.string(), dir.path()).exit_code, 0);
  const auto a = read_csv(merged);
  const auto b = read_csv(full);
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(b.size(), 9u);
  EXPECT_EQ(a[0], b[0]);
  for (const auto& [ra, rb] : {std::pair{a[1], b[3]}, std::pair{a[2], b[6]}}) {
    ASSERT_EQ(ra.size(), rb.size());
    for (size_t c = 0; c < ra.size(); ++c) {
      if (a[0][c].starts_with("simulation.")) continue;  // host timing differs run to run
      EXPECT_EQ(ra[c], rb[c]) << a[0][c];
    }
  }
  const auto bad = run_etchsim(sweep + " --point 8", dir.path());
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_TRUE(contains(bad.err, "--point 8")) << bad.err;
}

}  // namespace
}  // namespace etchsim::cli::testing
