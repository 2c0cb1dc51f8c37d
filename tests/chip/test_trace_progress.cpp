// A traced run's progress while it writes its files (TraceOptions::on_write): a long run reports
// each file from its first part to its last, the timeline before the VCD; a short one reports
// nothing. What the progress says changes no byte of the files (tests/trace/test_vcd_writer.cpp).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "chip_test_models.hpp"
#include "etchsim/sim/run.hpp"

namespace etchsim::chip {
namespace {

struct Call {
  std::filesystem::path file;
  uint64_t done, total;
};

sim::RunOptions traced_run(const std::filesystem::path& dir, std::vector<Call>& calls) {
  sim::RunOptions o;
  o.model_name = "tiny";
  o.shape = *model::named_shape("tiny");
  o.config = testing::tiny_config();
  o.mode = sim::Mode::Timing;
  o.users = {{{1, 2, 3, 4}, 8}, {{5, 6}, 6}};
  o.trace.vcd = dir / "run.vcd";
  o.trace.timeline = dir / "run.json";
  o.trace.on_write = [&calls](const std::filesystem::path& file, uint64_t done, uint64_t total) {
    calls.push_back({file, done, total});
  };
  return o;
}

// The calls for `file`, each later than the one before and the last complete.
void expect_whole(const std::vector<Call>& calls, const std::filesystem::path& file) {
  std::vector<Call> mine;
  for (const Call& c : calls) {
    if (c.file == file) mine.push_back(c);
  }
  ASSERT_FALSE(mine.empty()) << file;
  for (size_t i = 0; i < mine.size(); ++i) {
    EXPECT_EQ(mine[i].total, mine.front().total) << file;
    EXPECT_LE(mine[i].done, mine[i].total) << file;
    if (i > 0) {
      EXPECT_GT(mine[i].done, mine[i - 1].done) << file;
    }
  }
  EXPECT_EQ(mine.back().done, mine.back().total) << file;
}

TEST(TraceProgress, LongRunsReportEachFileToItsEndTheTimelineFirst) {
  const std::filesystem::path dir = testing::temp_dir() / "progress-long";
  std::filesystem::create_directories(dir);
  std::vector<Call> calls;
  sim::RunOptions o = traced_run(dir, calls);
  o.trace.progress_tokens = 1;  // every run is long
  sim::run(o, nullptr);
  expect_whole(calls, o.trace.timeline);
  expect_whole(calls, o.trace.vcd);
  EXPECT_EQ(calls.front().file, o.trace.timeline);
  EXPECT_EQ(calls.back().file, o.trace.vcd);
  EXPECT_TRUE(std::filesystem::exists(o.trace.vcd));
  EXPECT_TRUE(std::filesystem::exists(o.trace.timeline));
}

TEST(TraceProgress, ShortRunsReportNothing) {
  const std::filesystem::path dir = testing::temp_dir() / "progress-short";
  std::filesystem::create_directories(dir);
  std::vector<Call> calls;
  const sim::RunOptions o = traced_run(dir, calls);
  ASSERT_EQ(o.trace.progress_tokens, sim::kTraceProgressTokens);
  sim::run(o, nullptr);
  EXPECT_TRUE(calls.empty());
  EXPECT_TRUE(std::filesystem::exists(o.trace.vcd));
}

}  // namespace
}  // namespace etchsim::chip
