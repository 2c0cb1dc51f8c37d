// dequant_probe: checks etchsim's dequantisation of one ggml type against llama.cpp.
//
//   dequant_probe --type Q4_K --model OUT.gguf --expect OUT.json [--tokens N] [--seed S]
//
// Writes a 1-layer Llama GGUF whose logits depend only on the dequantised token embeddings, and
// the teacher-forced log-probabilities etchsim expects for it (same JSON as logprobs.mjs). The
// ctest "reference" tests run llama.cpp on the file (logprobs.mjs) and compare the two JSONs.
//
// Why the logits depend only on token_embd (docs/formats.md §5.3):
//   * every layer matrix (attn_q/k/v/output, ffn_gate/up/down) is F32 zero, so Q=K=V=0, the
//     attention output Wo·kqv is exactly 0 and the FFN output Wdown·(silu(0)·0) is exactly 0;
//     the residual stream after the layer is the embedding row x itself (x + 0 = x, exactly);
//   * step 1: x = ggml_get_rows(token_embd, id) = dequantize_row_T (§3; the only place ggml
//     dequantises on the Llama CPU path);
//   * step 11: y = RMSNorm(x)·output_norm (step 2), logits = output · y (f32 weights).
// The only arithmetic llama.cpp does differently from this program is the f32 dot product order
// of the lm_head (§4.5); this program sums in double, and the tolerance (1e-4 on log-probs) is
// far above that rounding but far below any dequantisation error (a wrong scale, nibble order
// or sign moves log-probs by O(0.1)).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "etchsim/gguf/dequantize.hpp"
#include "etchsim/gguf/ggml_type.hpp"
#include "etchsim/gguf/random_blocks.hpp"
#include "etchsim/gguf/writer.hpp"
#include "etchsim/model/synth_vocab.hpp"

namespace {

using etchsim::gguf::GgmlType;

// Probe model shape: n_embd 256 so every K-quant row is exactly one 256-element super-block.
constexpr uint32_t kNEmbd = 256;
constexpr uint32_t kNHead = 2;
constexpr uint32_t kNFf = 256;
constexpr uint32_t kNVocab = 512;
constexpr uint32_t kNCtx = 512;
constexpr float kRmsEps = 1e-5f;

struct Options {
  GgmlType type = GgmlType::F32;
  std::filesystem::path model;
  std::filesystem::path expect;
  uint32_t n_tokens = 128;
  uint64_t seed = 1234;
};

[[noreturn]] void usage(const std::string& why) {
  throw std::invalid_argument(
      fmt::format("{}\nusage: dequant_probe --type T --model OUT.gguf --expect OUT.json "
                  "[--tokens N] [--seed S]\n  T: F32 F16 BF16 Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 Q2_K "
                  "Q3_K Q4_K Q5_K Q6_K",
                  why));
}

Options parse_args(int argc, char** argv) {
  Options o;
  bool have_type = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) usage(fmt::format("{} needs a value", arg));
      return argv[++i];
    };
    if (arg == "--type") {
      const std::string name = next();
      const auto t = etchsim::gguf::type_from_name(name);
      if (!t) usage(fmt::format("unknown type '{}'", name));
      o.type = *t;
      have_type = true;
    } else if (arg == "--model") {
      o.model = next();
    } else if (arg == "--expect") {
      o.expect = next();
    } else if (arg == "--tokens") {
      o.n_tokens = static_cast<uint32_t>(std::stoul(next()));
    } else if (arg == "--seed") {
      o.seed = std::stoull(next());
    } else {
      usage(fmt::format("unknown argument '{}'", arg));
    }
  }
  if (!have_type || o.model.empty() || o.expect.empty())
    usage("missing --type, --model or --expect");
  if (o.n_tokens == 0 || o.n_tokens > kNVocab) usage("--tokens must be in [1, 512]");
  return o;
}

std::vector<std::byte> f32_bytes(std::span<const float> values) {
  std::vector<std::byte> out(values.size() * sizeof(float));
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

// Distinct ids stepping through the vocabulary with a stride coprime to n_vocab (as
// logprobs.mjs defaultPrompt), so the prompt touches rows from every part of token_embd.
std::vector<int32_t> probe_tokens(uint32_t n) {
  uint32_t stride = static_cast<uint32_t>(kNVocab * 0.618) | 1u;
  while (std::gcd(stride, kNVocab) != 1) stride += 2;
  std::vector<int32_t> tokens(n);
  for (uint32_t i = 0; i < n; ++i) tokens[i] = static_cast<int32_t>((7 + i * stride) % kNVocab);
  return tokens;
}

// RMSNorm of one row as ggml_compute_forward_rms_norm_f32 + the fused MUL (docs/formats.md §5.3
// item 2): sum of fl(x*x) in double, mean rounded to f32, r = 1/sqrtf(mean + eps) in f32, then
// y = fl(fl(x*r)*w).
std::vector<float> rms_norm(std::span<const float> x, std::span<const float> w) {
  double sum = 0.0;
  for (float v : x) sum += static_cast<double>(v * v);
  const auto mean = static_cast<float>(sum / static_cast<double>(x.size()));
  const float r = 1.0f / std::sqrt(mean + kRmsEps);
  std::vector<float> y(x.size());
  for (size_t i = 0; i < x.size(); ++i) y[i] = (x[i] * r) * w[i];
  return y;
}

void run(const Options& o) {
  namespace gg = etchsim::gguf;
  const auto& tt = gg::traits(o.type);
  if (!tt.etchsim_dequantizes) usage(fmt::format("etchsim does not dequantize {}", tt.name));

  std::mt19937_64 rng(o.seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> uniform(0.5f, 1.5f);

  // token_embd in the probed format: seeded random blocks (gguf/random_blocks.hpp).
  const uint64_t embd_row_bytes = gg::row_bytes(o.type, kNEmbd);
  std::vector<std::byte> embd(embd_row_bytes * kNVocab);
  gg::fill_random_blocks(o.type, o.seed ^ 0x5eedULL, 1.0f, embd);

  std::vector<float> out_norm(kNEmbd);
  for (float& v : out_norm) v = uniform(rng);
  // lm_head std 0.125: logits of y (rms ~1, |y| ~ 16) have std ~2, a non-trivial softmax.
  std::vector<float> output(static_cast<size_t>(kNEmbd) * kNVocab);
  for (float& v : output) v = 0.125f * normal(rng);

  gg::GgufWriter w;
  w.set("general.architecture", "llama");
  w.set("general.name", fmt::format("etchsim dequant probe {}", tt.name));
  w.set("llama.context_length", kNCtx);
  w.set("llama.embedding_length", kNEmbd);
  w.set("llama.block_count", uint32_t{1});
  w.set("llama.feed_forward_length", kNFf);
  w.set("llama.attention.head_count", kNHead);
  w.set("llama.attention.head_count_kv", kNHead);
  w.set("llama.attention.layer_norm_rms_epsilon", kRmsEps);
  w.set("llama.rope.dimension_count", kNEmbd / kNHead);  // must equal the head dim (§5.1)
  w.set("llama.rope.freq_base", 10000.0f);
  w.set("llama.vocab_size", kNVocab);
  const auto vocab = etchsim::model::make_synth_vocab(etchsim::model::VocabKind::Gpt2Bpe, kNVocab);
  etchsim::model::add_vocab_metadata(w, vocab);

  const int64_t e = kNEmbd, v = kNVocab, ff = kNFf;
  auto zeros = [](int64_t n) { return std::vector<float>(static_cast<size_t>(n), 0.0f); };
  auto ones = [](int64_t n) { return std::vector<float>(static_cast<size_t>(n), 1.0f); };
  w.add_tensor("token_embd.weight", o.type, {e, v}, embd);
  w.add_tensor("output_norm.weight", GgmlType::F32, {e}, f32_bytes(out_norm));
  w.add_tensor("output.weight", GgmlType::F32, {e, v}, f32_bytes(output));
  w.add_tensor("blk.0.attn_norm.weight", GgmlType::F32, {e}, f32_bytes(ones(e)));
  for (const char* name : {"attn_q", "attn_k", "attn_v", "attn_output"})
    w.add_tensor(fmt::format("blk.0.{}.weight", name), GgmlType::F32, {e, e},
                 f32_bytes(zeros(e * e)));
  w.add_tensor("blk.0.ffn_norm.weight", GgmlType::F32, {e}, f32_bytes(ones(e)));
  w.add_tensor("blk.0.ffn_gate.weight", GgmlType::F32, {e, ff}, f32_bytes(zeros(e * ff)));
  w.add_tensor("blk.0.ffn_up.weight", GgmlType::F32, {e, ff}, f32_bytes(zeros(e * ff)));
  w.add_tensor("blk.0.ffn_down.weight", GgmlType::F32, {ff, e}, f32_bytes(zeros(ff * e)));
  w.write(o.model);

  // Expected teacher-forced log-probs (the hidden state is the embedding row at every position).
  const std::vector<int32_t> tokens = probe_tokens(o.n_tokens);
  nlohmann::json logprobs = nlohmann::json::array();
  std::vector<float> x(kNEmbd);
  std::vector<double> logits(kNVocab);
  for (int32_t id : tokens) {
    const std::span<const std::byte> row(embd.data() + static_cast<size_t>(id) * embd_row_bytes,
                                         embd_row_bytes);
    gg::dequantize(o.type, row, x);
    for (float xv : x)
      if (!std::isfinite(xv))
        throw std::runtime_error(fmt::format("row {} dequantises to non-finite", id));
    const std::vector<float> y = rms_norm(x, out_norm);
    for (uint32_t t = 0; t < kNVocab; ++t) {
      double dot = 0.0;
      for (uint32_t k = 0; k < kNEmbd; ++k)
        dot += static_cast<double>(output[static_cast<size_t>(t) * kNEmbd + k]) * y[k];
      logits[t] = static_cast<double>(static_cast<float>(dot));  // llama.cpp's logits are f32
    }
    const double mx = *std::max_element(logits.begin(), logits.end());
    double sum = 0.0;
    for (double l : logits) sum += std::exp(l - mx);
    const double lse = mx + std::log(sum);
    nlohmann::json lp = nlohmann::json::array();
    for (double l : logits) lp.push_back(l - lse);
    logprobs.push_back(std::move(lp));
  }
  const nlohmann::json result = {
      {"model", std::filesystem::absolute(o.model).string()},
      {"source", "etchsim dequant_probe (etchsim dequantize + RMSNorm + f32 lm_head)"},
      {"type", std::string(tt.name)},
      {"n_vocab", kNVocab},
      {"tokens", tokens},
      {"logprobs", std::move(logprobs)},
  };
  std::ofstream out(o.expect);
  out << result.dump() << '\n';
  if (!out) throw std::runtime_error(fmt::format("cannot write {}", o.expect.string()));
  std::fprintf(stderr, "dequant_probe: %s: wrote %s and %s (%zu tokens)\n",
               std::string(tt.name).c_str(), o.model.string().c_str(), o.expect.string().c_str(),
               tokens.size());
}

}  // namespace

int main(int argc, char** argv) {
  try {
    run(parse_args(argc, argv));
    return 0;
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "dequant_probe: error: %s\n", ex.what());
    return 1;
  }
}
