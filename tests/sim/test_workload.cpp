// Serving workloads: the JSONL format (fields, types, errors naming the line), synthetic
// arrivals, the named 1k1k workload, and nearest-rank percentiles.
#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>
#include <string>

#include "etchsim/sim/run.hpp"
#include "etchsim/sim/workload.hpp"

namespace etchsim::sim {
namespace {

std::vector<WorkloadRequest> parse(const std::string& text) {
  std::istringstream in(text);
  return parse_workload_jsonl(in, "w.jsonl");
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(Workload, ParsesEveryField) {
  const auto r = parse(
      "{\"prompt\": \"Once upon\", \"max_tokens\": 4}\n"
      "\n"
      "{\"tokens\": [1, 2, 3], \"max_tokens\": 0, \"adapter\": \"a.gguf\", "
      "\"arrival_cycle\": 1000}\n");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].prompt_text, "Once upon");
  EXPECT_TRUE(r[0].tokens.empty());
  EXPECT_EQ(r[0].max_tokens, 4u);
  EXPECT_EQ(r[0].adapter, "");
  EXPECT_EQ(r[0].arrival_cycle, 0u);
  EXPECT_FALSE(r[1].prompt_text.has_value());
  EXPECT_EQ(r[1].tokens, (std::vector<int32_t>{1, 2, 3}));
  EXPECT_EQ(r[1].max_tokens, 0u);
  EXPECT_EQ(r[1].adapter, "a.gguf");
  EXPECT_EQ(r[1].arrival_cycle, 1000u);
}

TEST(Workload, ErrorsNameTheLine) {
  const std::string ok = "{\"tokens\": [1], \"max_tokens\": 1}\n";
  struct Case {
    std::string line, needle;
  };
  for (const Case& c : std::vector<Case>{
           {"{\"tokens\": [1], \"max_tokens\": 1, \"temperature\": 0}", "unknown field"},
           {"{\"tokens\": [1], \"max_tokens\": \"8\"}", "max_tokens"},
           {"{\"tokens\": [1], \"max_tokens\": -1}", "max_tokens"},
           {"{\"tokens\": [1, -2], \"max_tokens\": 1}", "tokens"},
           {"{\"tokens\": [], \"max_tokens\": 1}", "tokens"},
           {"{\"tokens\": \"1,2\", \"max_tokens\": 1}", "tokens"},
           {"{\"prompt\": 5, \"max_tokens\": 1}", "prompt"},
           {"{\"prompt\": \"a\", \"tokens\": [1], \"max_tokens\": 1}", "exactly one"},
           {"{\"max_tokens\": 1}", "exactly one"},
           {"{\"tokens\": [1]}", "max_tokens"},
           {"{\"tokens\": [1], \"max_tokens\": 1, \"adapter\": 3}", "adapter"},
           {"{\"tokens\": [1], \"max_tokens\": 1, \"arrival_cycle\": 1.5}", "arrival_cycle"},
           // 2^64 - 1 used to make the run spin forever; anything past 2^50 is refused.
           {"{\"tokens\": [1], \"max_tokens\": 1, \"arrival_cycle\": 18446744073709551615}",
            "arrival_cycle"},
           {"{\"tokens\": [1], \"max_tokens\": 1, \"arrival_cycle\": 1125899906842625}", "2^50"},
           {"[1, 2]", "object"},
           {"{\"tokens\": [1], ", "JSON"},
       }) {
    const std::string message = error_of(ok + ok + c.line + "\n");
    EXPECT_NE(message.find("w.jsonl line 3"), std::string::npos) << c.line << ": " << message;
    EXPECT_NE(message.find(c.needle), std::string::npos) << c.line << ": " << message;
  }
  EXPECT_NE(error_of("\n\n").find("no requests"), std::string::npos);
  EXPECT_THROW(load_workload_jsonl("/nonexistent/w.jsonl"), std::invalid_argument);
}

TEST(Workload, SyntheticArrivals) {
  const auto at_zero = synthetic_workload(3, 5, 7, std::nullopt, 1e9);
  ASSERT_EQ(at_zero.size(), 3u);
  for (const WorkloadRequest& r : at_zero) {
    EXPECT_EQ(r.prompt_len, 5u);
    EXPECT_EQ(r.max_tokens, 7u);
    EXPECT_EQ(r.arrival_cycle, 0u);
  }
  // 4000 requests/s at 1 GHz: one every 250,000 cycles.
  const auto staggered = synthetic_workload(4, 5, 7, 4000.0, 1e9);
  for (uint32_t i = 0; i < 4; ++i) EXPECT_EQ(staggered[i].arrival_cycle, i * 250'000u);
  EXPECT_THROW(synthetic_workload(0, 5, 7, std::nullopt, 1e9), std::invalid_argument);
  EXPECT_THROW(synthetic_workload(2, 5, 7, 0.0, 1e9), std::invalid_argument);
  // A rate so small that the second user would arrive at infinity (a cast to uint64 of inf was
  // undefined behaviour) or past the last cycle.
  EXPECT_THROW(synthetic_workload(2, 5, 7, 1e-300, 1e9), std::invalid_argument);
  EXPECT_THROW(synthetic_workload(2, 5, 7, 1e-7, 1e9), std::invalid_argument);
  EXPECT_EQ(synthetic_workload(2, 5, 7, 1e-6, 1e9)[1].arrival_cycle, 1'000'000'000'000'000u);
  // The exact limit passes; one past it is refused, programmatic requests too.
  EXPECT_EQ(parse("{\"tokens\": [1], \"max_tokens\": 1, \"arrival_cycle\": 1125899906842624}")
                .front()
                .arrival_cycle,
            kMaxArrivalCycle);
}

TEST(Workload, Named1k1k) {
  const auto w = named_workload("1k1k");
  ASSERT_TRUE(w.has_value());
  ASSERT_EQ(w->size(), 1u);
  EXPECT_EQ(w->front().prompt_len, 1024u);
  EXPECT_EQ(w->front().max_tokens, 1024u);
  EXPECT_FALSE(named_workload("2k2k").has_value());
}

TEST(Workload, NearestRankPercentiles) {
  std::vector<double> v;
  for (int i = 100; i >= 1; --i) v.push_back(i);  // 1 .. 100, unsorted
  const Percentiles p = nearest_rank_percentiles(v);
  EXPECT_EQ(p.p50, 50);
  EXPECT_EQ(p.p90, 90);
  EXPECT_EQ(p.p99, 99);
  const Percentiles three = nearest_rank_percentiles({30, 10, 20});
  EXPECT_EQ(three.p50, 20);  // rank ceil(1.5) = 2
  EXPECT_EQ(three.p90, 30);
  EXPECT_EQ(three.p99, 30);
  EXPECT_EQ(nearest_rank_percentiles({}).p50, 0);
}

}  // namespace
}  // namespace etchsim::sim
