// Serving workloads through `etchsim run --workload`: a 64-request JSONL workload with mixed
// adapters and staggered arrivals, continuous admission (a queued request starts only after
// another closes), the refuse policy, and a request that can never fit the KV SRAM.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "run_command.hpp"

namespace etchsim::cli::testing {
namespace {

using nlohmann::json;

const std::string kTiny =
    std::string(" --shape tiny --config ") + ETCHSIM_SOURCE_DIR + "/configs/tiny.toml";
// 0.03 MiB of KV SRAM: 122 positions of the tiny model (256 B each), a few users at once.
const std::string kSmallKv = " --set kv_sram.capacity_mib=0.03";

// Two LoRA adapters for the tiny shape, made with `etchsim synth-lora` from a tiny base model:
// dir/a.gguf (rank 4 on q and v, f16) and dir/adapters/b.gguf (rank 8 on qkv and down, f32).
void write_adapters(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir / "adapters");
  const auto base = dir / "base.gguf";
  ASSERT_EQ(run_etchsim("synth --shape tiny --quant q8_0 -o " + base.string(), dir).exit_code, 0);
  ASSERT_EQ(run_etchsim("synth-lora " + base.string() + " -o " + (dir / "a.gguf").string() +
                            " --rank 4 --type f16",
                        dir)
                .exit_code,
            0);
  ASSERT_EQ(
      run_etchsim("synth-lora " + base.string() + " -o " + (dir / "adapters" / "b.gguf").string() +
                      " --rank 8 --targets attn_q,attn_k,attn_v,ffn_down --seed 2",
                  dir)
          .exit_code,
      0);
}
// Room for both adapters on the tiny chip: 64 KiB of LoRA SRAM per layer.
const std::string kLoraSram = " --set lora_sram.capacity_mib=0.125 --set datapath.lora_lanes=16";

// 64 requests of 4 .. 19 prompt ids and 2 .. 9 generated tokens, adapters none / a.gguf /
// adapters/b.gguf (paths relative to the workload's folder), arriving every `gap` cycles.
std::filesystem::path write_workload(const std::filesystem::path& dir, uint64_t gap) {
  const auto path = dir / "w.jsonl";
  std::ofstream out(path);
  for (uint32_t i = 0; i < 64; ++i) {
    json r;
    std::vector<int32_t> tokens;
    for (uint32_t t = 0; t < 4 + i % 16; ++t)
      tokens.push_back(static_cast<int32_t>((i * 7 + t) % 512));
    r["tokens"] = tokens;
    r["max_tokens"] = 2 + i % 8;
    if (i % 3 == 1) r["adapter"] = "a.gguf";
    if (i % 3 == 2) r["adapter"] = "adapters/b.gguf";
    r["arrival_cycle"] = i * gap;
    out << r.dump() << "\n";
  }
  return path;
}

json run_report(const std::string& args, const ScratchDir& dir) {
  const auto report = dir.path() / "r.json";
  const auto r = run_etchsim("run" + kTiny + args + " --report " + report.string(), dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (r.exit_code != 0) return json::object();
  return json::parse(read_all(report));
}

TEST(CliServing, SixtyFourRequestsWithAdaptersAndStaggeredArrivals) {
  ScratchDir dir("serving-64");
  write_adapters(dir.path());
  const auto workload = write_workload(dir.path(), 300);
  const json j = run_report(" --workload " + workload.string() + kSmallKv + kLoraSram, dir);
  ASSERT_TRUE(j.contains("users"));
  const json& users = j.at("users");
  ASSERT_EQ(users.size(), 64u);
  const json& serving = j.at("serving");
  EXPECT_EQ(serving.at("admission"), "queue");
  EXPECT_EQ(serving.at("requests"), 64);
  EXPECT_EQ(serving.at("requests_done"), 64);
  EXPECT_EQ(serving.at("requests_refused"), 0);
  uint64_t tokens = 0;
  for (uint32_t i = 0; i < 64; ++i) {
    const json& u = users[i];
    EXPECT_EQ(u.at("status"), "done");
    const std::string adapter = i % 3 == 0   ? ""
                                : i % 3 == 1 ? (dir.path() / "a.gguf").string()
                                             : (dir.path() / "adapters" / "b.gguf").string();
    EXPECT_EQ(u.at("adapter"), adapter);
    EXPECT_EQ(u.at("arrival_cycle").get<uint64_t>(), i * 300u);
    EXPECT_GE(u.at("admitted_cycle").get<uint64_t>(), u.at("arrival_cycle").get<uint64_t>());
    EXPECT_GE(u.at("first_input_cycle").get<uint64_t>(), u.at("admitted_cycle").get<uint64_t>());
    EXPECT_GT(u.at("first_token_cycle").get<uint64_t>(), u.at("first_input_cycle").get<uint64_t>());
    EXPECT_EQ(u.at("ttft_cycles").get<uint64_t>(),
              u.at("first_token_cycle").get<uint64_t>() - u.at("arrival_cycle").get<uint64_t>());
    EXPECT_GT(u.at("tpot_cycles").get<double>(), 0);
    EXPECT_EQ(u.at("tokens").get<uint64_t>(), 2u + i % 8);
    EXPECT_GE(u.at("closed_cycle").get<uint64_t>(), u.at("last_token_cycle").get<uint64_t>());
    tokens += u.at("tokens").get<uint64_t>();
  }
  EXPECT_EQ(j.at("tokens_generated").get<uint64_t>(), tokens);
  for (const char* metric : {"ttft_cycles", "tpot_cycles"}) {
    const json& p = serving.at(metric);
    EXPECT_GT(p.at("p50").get<double>(), 0) << metric;
    EXPECT_LE(p.at("p50").get<double>(), p.at("p90").get<double>()) << metric;
    EXPECT_LE(p.at("p90").get<double>(), p.at("p99").get<double>()) << metric;
  }
  EXPECT_GT(j.at("tokens_per_s_aggregate").get<double>(), 0);
  // The KV SRAM holds a few of these users: more than one ran at once, never all 64.
  const auto peak = serving.at("peak_users").get<uint32_t>();
  EXPECT_GE(peak, 2u);
  EXPECT_LT(peak, 64u);
  const auto capacity = j.at("kv_sram").at("capacity_bytes").get<uint64_t>();
  const json& occupancy = serving.at("occupancy");
  EXPECT_EQ(occupancy.size(), 128u);  // one sample per admission and per close
  uint32_t users_seen = 0;
  // Both adapters were loaded before the first admission and stay resident.
  const json& lora = serving.at("lora_sram");
  ASSERT_EQ(lora.at("adapters").size(), 2u);
  EXPECT_EQ(lora.at("adapters")[0].at("name"), (dir.path() / "a.gguf").string());
  EXPECT_EQ(lora.at("adapters")[0].at("requests"), 21);
  EXPECT_EQ(lora.at("adapters")[1].at("requests"), 21);
  EXPECT_GT(lora.at("adapters")[1].at("load_cycles").get<uint64_t>(), 0u);
  const auto lora_bytes = lora.at("peak_bytes").get<uint64_t>();
  // a: 2 layers x (64x4 + 4x64 + 64x4 + 4x32) x 2 B; b: 2 x (64x8 + 8x64 + 2 x (64x8 + 8x32)
  // + 128x8 + 8x64) x 4 B.
  EXPECT_EQ(lora_bytes, 2u * 896u * 2u + 2u * 4096u * 4u);
  EXPECT_GT(j.at("energy_split_j").at("lora").get<double>(), 0);
  for (const json& s : occupancy) {
    EXPECT_LE(s.at("kv_reserved_bytes").get<uint64_t>(), capacity);
    EXPECT_EQ(s.at("lora_bytes"), lora_bytes);
    users_seen = std::max(users_seen, s.at("users").get<uint32_t>());
  }
  EXPECT_EQ(users_seen, peak);
  EXPECT_EQ(occupancy.back().at("users"), 0);
  // Queued requests: admitted after their arrival, when another request's sequence closed. A
  // request may also wait a few cycles while the host finishes an embedding write (16 cycles on
  // the tiny chip), which is not queueing.
  // Admission starts once the adapters are loaded (back to back from cycle 0).
  size_t queued = 0;
  const uint64_t host_busy = 4 * 16;
  const uint64_t loaded = lora.at("adapters")[0].at("load_cycles").get<uint64_t>() +
                          lora.at("adapters")[1].at("load_cycles").get<uint64_t>();
  for (const json& u : users) {
    const auto admitted = u.at("admitted_cycle").get<uint64_t>();
    EXPECT_GE(admitted, loaded);
    const auto arrival = std::max(u.at("arrival_cycle").get<uint64_t>(), loaded);
    if (admitted <= arrival + host_busy) continue;
    ++queued;
    const bool after_a_close = std::any_of(users.begin(), users.end(), [&](const json& other) {
      const auto closed = other.at("closed_cycle").get<uint64_t>();
      return &other != &u && closed <= admitted && closed >= arrival;
    });
    EXPECT_TRUE(after_a_close) << u.dump();
  }
  EXPECT_GT(queued, 0u);
}

TEST(CliServing, QueuedRequestStartsWhenAnotherCloses) {
  ScratchDir dir("serving-queue");
  // 40 positions of KV SRAM, requests of 12 + 12 positions: one user at a time.
  const json j =
      run_report(" --users 3 --prompt-len 12 --gen-len 12 --set kv_sram.capacity_mib=0.01", dir);
  ASSERT_TRUE(j.contains("users"));
  const json& u = j.at("users");
  ASSERT_EQ(u.size(), 3u);
  EXPECT_EQ(j.at("serving").at("peak_users"), 1);
  for (size_t i = 1; i < 3; ++i) {
    EXPECT_EQ(u[i].at("status"), "done");
    EXPECT_GE(u[i].at("admitted_cycle").get<uint64_t>(),
              u[i - 1].at("last_token_cycle").get<uint64_t>());
    EXPECT_EQ(u[i].at("admitted_cycle"), u[i - 1].at("closed_cycle"));
  }
}

TEST(CliServing, RefusePolicyRecordsRefusals) {
  ScratchDir dir("serving-refuse");
  const json j = run_report(
      " --users 5 --prompt-len 12 --gen-len 12 --set kv_sram.capacity_mib=0.02 --set "
      "serving.admission=refuse",
      dir);
  ASSERT_TRUE(j.contains("users"));
  const json& serving = j.at("serving");
  EXPECT_EQ(serving.at("admission"), "refuse");
  EXPECT_EQ(serving.at("requests_done"), 3);  // 81 positions: three users of 24
  EXPECT_EQ(serving.at("requests_refused"), 2);
  for (size_t i = 0; i < 5; ++i) {
    const json& u = j.at("users")[i];
    EXPECT_EQ(u.at("status"), i < 3 ? "done" : "refused");
    EXPECT_EQ(u.at("tokens"), i < 3 ? 12 : 0);
  }
}

TEST(CliServing, MaxUsersCapsUsersInFlight) {
  ScratchDir dir("serving-cap");
  const json j = run_report(" --users 6 --prompt-len 4 --gen-len 4 --set serving.max_users=2", dir);
  ASSERT_TRUE(j.contains("serving"));
  EXPECT_EQ(j.at("serving").at("peak_users"), 2);
  EXPECT_EQ(j.at("serving").at("requests_done"), 6);
}

TEST(CliServing, SyntheticArrivalRate) {
  ScratchDir dir("serving-rate");
  // 500 MHz, 1e6 requests/s: one every 500 cycles.
  const json j = run_report(" --users 3 --prompt-len 4 -n 3 --arrival-rate 1000000", dir);
  ASSERT_TRUE(j.contains("users"));
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(j.at("users")[i].at("arrival_cycle"), i * 500);
}

TEST(CliServing, RequestLargerThanTheWholeKvSramIsAnError) {
  ScratchDir dir("serving-too-large");
  const auto path = dir.path() / "w.jsonl";
  std::ofstream(path) << "{\"tokens\": [1, 2], \"max_tokens\": 2}\n"
                      << "{\"tokens\": [1, 2, 3], \"max_tokens\": 200}\n";
  const auto r = run_etchsim("run" + kTiny + " --workload " + path.string() + kSmallKv, dir.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("user 1 can never be admitted"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("kv_sram.capacity_mib"), std::string::npos) << r.err;
}

TEST(CliServing, BadWorkloadLineIsAnError) {
  ScratchDir dir("serving-bad");
  const auto path = dir.path() / "w.jsonl";
  std::ofstream(path) << "{\"tokens\": [1, 2], \"max_tokens\": 2}\n"
                      << "{\"tokens\": [1, 2], \"max_tokens\": 2, \"lora\": \"x\"}\n";
  const auto r = run_etchsim("run" + kTiny + " --workload " + path.string(), dir.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("line 2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("unknown field \"lora\""), std::string::npos) << r.err;
  const auto both =
      run_etchsim("run" + kTiny + " --workload " + path.string() + " --users 2", dir.path());
  EXPECT_NE(both.exit_code, 0);
}

}  // namespace
}  // namespace etchsim::cli::testing
