// The GPU roofline baseline: formulas, configuration errors, and the calibration against the
// measured H200 decode (tests/baseline/data/gpu_decode_h200.json; how it was measured:
// docs/anchors.md §3).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "etchsim/baseline/gpu_baseline.hpp"

namespace etchsim::baseline {
namespace {

const std::string kGpuDir = std::string(ETCHSIM_SOURCE_DIR) + "/configs/gpus/";

model::LlamaShape llama8b() { return *model::named_shape("llama-3.1-8b"); }

nlohmann::json anchor() {
  std::ifstream in(std::string(ETCHSIM_SOURCE_DIR) + "/tests/baseline/data/gpu_decode_h200.json");
  return nlohmann::json::parse(in);
}

// The measured figures (bf16, context 1024; docs/anchors.md §3), restated so a changed data file
// cannot move them.
constexpr double kPerUserBatch1 = 153.0;
constexpr double kAggregateBatch32 = 3763.0;
constexpr double kAggregateBatch128 = 10404.0;
constexpr double kTolerance = 0.15;

DecodeStep h200_step(uint32_t batch) {
  const GpuConfig gpu = load_gpu_config(kGpuDir + "h200.toml");
  return decode_step(gpu, llama8b(), {.batch = batch, .context = 1024, .dtype = GpuDtype::Bf16});
}

TEST(GpuCalibration, AnchorFileHasTheIssueFigures) {
  const nlohmann::json a = anchor();
  EXPECT_EQ(a["ctx"].get<int>(), 1024);
  for (const auto& row : a["rows"]) {
    const int b = row["batch"].get<int>();
    const double agg = row["aggregate_tok_s"].get<double>();
    if (b == 1) {
      EXPECT_NEAR(row["per_user_tok_s"].get<double>(), kPerUserBatch1, 1.0);
    }
    if (b == 32) {
      EXPECT_NEAR(agg, kAggregateBatch32, 1.0);
    }
    if (b == 128) {
      EXPECT_NEAR(agg, kAggregateBatch128, 1.0);
    }
  }
}

TEST(GpuCalibration, H200WithinFifteenPercentOfTheAnchor) {
  EXPECT_NEAR(h200_step(1).tokens_per_s_per_user / kPerUserBatch1, 1.0, kTolerance);
  EXPECT_NEAR(h200_step(32).tokens_per_s_aggregate / kAggregateBatch32, 1.0, kTolerance);
  EXPECT_NEAR(h200_step(128).tokens_per_s_aggregate / kAggregateBatch128, 1.0, kTolerance);
  // Every measured row, batch 8 included.
  const nlohmann::json measured = anchor();  // range-for over a temporary's member would dangle
  for (const auto& row : measured["rows"]) {
    const auto b = row["batch"].get<uint32_t>();
    EXPECT_NEAR(h200_step(b).tokens_per_s_aggregate / row["aggregate_tok_s"].get<double>(), 1.0,
                kTolerance)
        << "batch " << b;
  }
}

TEST(GpuCalibration, BytesPerStepMatchTheAnchorsAccounting) {
  const nlohmann::json a = anchor();
  // Weights streamed per step: every matrix but the token embedding (the anchor's count).
  const DecodeStep one = h200_step(1);
  EXPECT_NEAR(one.weight_bytes / 1e9, a["weight_GB_read_per_token"].get<double>(), 0.01);
  for (const auto& row : a["rows"]) {
    const DecodeStep d = h200_step(row["batch"].get<uint32_t>());
    // The anchor counts weights + KV only; the model adds activations (a few %).
    EXPECT_NEAR(d.total_bytes / 1e9 / row["bytes_per_step_GB"].get<double>(), 1.0, 0.03);
  }
}

TEST(GpuCalibration, SmallBatchDecodeDoesNotReachCopyBandwidth) {
  const double copy_tbps = anchor()["copy_TBps"].get<double>();
  for (const uint32_t b : {1u, 8u, 32u, 128u}) {
    const DecodeStep d = h200_step(b);
    EXPECT_LT(d.achieved_tbps, 0.7 * copy_tbps) << "batch " << b;
    EXPECT_GT(d.achieved_tbps, 2.0) << "batch " << b;  // the anchor: 2.2-2.6 TB/s
    EXPECT_FALSE(d.compute_bound) << "batch " << b;
  }
}

GpuConfig simple_gpu() {
  GpuConfig g;
  g.name = "test";
  g.memory_bandwidth_tbps = 1.0;
  g.memory_gb = 100.0;
  g.board_power_w = 500.0;
  g.bf16_tflops = 100.0;
  g.fp8_tflops = 200.0;
  g.bandwidth_efficiency = 0.5;
  g.compute_efficiency = 0.5;
  g.step_overhead_us = 100.0;
  g.memory_usable = 1.0;
  return g;
}

TEST(GpuRoofline, StepIsTheSlowerRoofPlusOverhead) {
  const model::LlamaShape s = llama8b();
  const GpuConfig g = simple_gpu();
  const DecodeStep d = decode_step(g, s, {.batch = 4, .context = 512});
  const double kv_row = 2.0 * 32 * 1024 * 2;  // K and V bytes of one position, all layers
  EXPECT_DOUBLE_EQ(d.kv_bytes, 4 * 512 * kv_row + 4 * kv_row);
  EXPECT_DOUBLE_EQ(d.memory_s, d.total_bytes / 0.5e12);
  EXPECT_DOUBLE_EQ(d.compute_s, d.flops / 50e12);
  EXPECT_DOUBLE_EQ(d.step_s, std::max(d.memory_s, d.compute_s) + 100e-6);
  EXPECT_DOUBLE_EQ(d.tokens_per_s_aggregate, 4 / d.step_s);
  const double matrix_params = static_cast<double>(s.n_params()) - 128256.0 * 4096;
  const double attention = 4.0 * 4 * 32 * 32 * 128 * 512;
  EXPECT_DOUBLE_EQ(d.flops, 2 * matrix_params * 4 + attention);
}

TEST(GpuRoofline, LargeBatchesBecomeComputeBound) {
  const GpuConfig g = simple_gpu();
  EXPECT_FALSE(decode_step(g, llama8b(), {.batch = 1, .context = 128}).compute_bound);
  EXPECT_TRUE(decode_step(g, llama8b(), {.batch = 4096, .context = 128}).compute_bound);
}

TEST(GpuRoofline, WeightBytesFollowTheDtype) {
  const GpuConfig g = simple_gpu();
  const model::LlamaShape s = llama8b();
  const double bf16 = decode_step(g, s, {.dtype = GpuDtype::Bf16}).weight_bytes;
  const double fp8 = decode_step(g, s, {.dtype = GpuDtype::Fp8}).weight_bytes;
  const double int4 = decode_step(g, s, {.dtype = GpuDtype::Int4}).weight_bytes;
  EXPECT_DOUBLE_EQ(fp8 * 2, bf16);
  EXPECT_NEAR(int4 / bf16, (0.5 + 2.0 / 128) / 2, 1e-12);
  EXPECT_EQ(gpu_dtype_from_name("fp8"), GpuDtype::Fp8);
  EXPECT_FALSE(gpu_dtype_from_name("fp16").has_value());
  EXPECT_DOUBLE_EQ(g.peak_tflops(GpuDtype::Int4), 100.0);  // W4A16: the bf16 peak by default
}

TEST(GpuRoofline, MemoryCapacityLimitsTheBatch) {
  GpuConfig g = simple_gpu();
  const model::LlamaShape s = llama8b();
  const double weights = resident_weight_bytes(s, GpuDtype::Bf16);  // ~16 GB
  const double per_seq = kv_bytes_per_sequence(s, 2048, 2);         // 256 MiB
  EXPECT_DOUBLE_EQ(per_seq, 2.0 * 32 * 1024 * 2 * 2048);
  EXPECT_EQ(max_batch(g, s, GpuDtype::Bf16, 2048),
            static_cast<uint32_t>(std::floor((100e9 - weights) / per_seq)));
  g.memory_gb = 16.0;  // not even the weights
  EXPECT_EQ(max_batch(g, s, GpuDtype::Bf16, 2048), 0u);
  const GenerationResult r = generation(g, s, GpuDtype::Bf16, 1, 1024, 1024);
  EXPECT_FALSE(r.fits);
}

TEST(GpuRoofline, GenerationAveragesTheDecodeSteps) {
  GpuConfig g = simple_gpu();
  g.price_per_hour = 3.6;
  const model::LlamaShape s = llama8b();
  const GenerationResult r = generation(g, s, GpuDtype::Bf16, 2, 100, 3);
  const double t1 = decode_step(g, s, {.batch = 2, .context = 101}).step_s;
  const double t2 = decode_step(g, s, {.batch = 2, .context = 102}).step_s;
  EXPECT_DOUBLE_EQ(r.mean_step_s, (t1 + t2) / 2);
  EXPECT_DOUBLE_EQ(r.tokens_per_s_aggregate, 2 / r.mean_step_s);
  EXPECT_DOUBLE_EQ(r.joules_per_token, 500.0 / r.tokens_per_s_aggregate);
  ASSERT_TRUE(r.usd_per_million_tokens.has_value());
  EXPECT_DOUBLE_EQ(*r.usd_per_million_tokens, 3.6 / 3600 / r.tokens_per_s_aggregate * 1e6);
  EXPECT_TRUE(r.fits);
}

TEST(GpuConfigs, BuiltInConfigsParseAndOrderByBandwidth) {
  const GpuConfig h100 = load_gpu_config(kGpuDir + "h100.toml");
  const GpuConfig h200 = load_gpu_config(kGpuDir + "h200.toml");
  const GpuConfig b200 = load_gpu_config(kGpuDir + "b200.toml");
  EXPECT_DOUBLE_EQ(h100.memory_bandwidth_tbps, 3.35);
  EXPECT_DOUBLE_EQ(h200.memory_gb, 141.0);
  EXPECT_DOUBLE_EQ(b200.board_power_w, 1000.0);
  const model::LlamaShape s = llama8b();
  const auto tps = [&](const GpuConfig& g) {
    return decode_step(g, s, {.batch = 1, .context = 1024}).tokens_per_s_per_user;
  };
  EXPECT_LT(tps(h100), tps(h200));
  EXPECT_LT(tps(h200), tps(b200));
}

void expect_error_naming(const std::string& toml, const std::string& key) {
  try {
    parse_gpu_config(toml, "test.toml");
    ADD_FAILURE() << "no error for " << key;
  } catch (const GpuConfigError& e) {
    EXPECT_EQ(e.key(), key);
    EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("test.toml"), std::string::npos) << e.what();
  }
}

const std::string kValid = R"([gpu]
name = "x"
memory_bandwidth_tbps = 1
memory_gb = 10
board_power_w = 100
[peak_tflops]
bf16 = 10
fp8 = 20
[efficiency]
bandwidth = 0.5
compute = 0.5
step_overhead_us = 0
)";

std::string replaced(const std::string& from, const std::string& to) {
  std::string s = kValid;
  s.replace(s.find(from), from.size(), to);
  return s;
}

TEST(GpuConfigs, ErrorsNameTheKey) {
  EXPECT_NO_THROW(parse_gpu_config(kValid, "test.toml"));
  expect_error_naming(kValid + "no_such = 1\n", "efficiency.no_such");
  expect_error_naming(replaced("[peak_tflops]", "[peak_tflops]\nfp4 = 3"), "peak_tflops.fp4");
  expect_error_naming(replaced("bandwidth = 0.5", "bandwidth = 1.5"), "efficiency.bandwidth");
  expect_error_naming(replaced("memory_gb = 10", "memory_gb = -1"), "gpu.memory_gb");
  expect_error_naming(replaced("memory_gb = 10", "memory_gb = \"ten\""), "gpu.memory_gb");
  expect_error_naming(replaced("compute = 0.5\n", ""), "efficiency.compute");
  expect_error_naming(replaced("name = \"x\"\n", ""), "gpu.name");
  expect_error_naming(replaced("step_overhead_us = 0", "step_overhead_us = -5"),
                      "efficiency.step_overhead_us");
  expect_error_naming("stray = 1\n" + kValid, "stray");
}

}  // namespace
}  // namespace etchsim::baseline
