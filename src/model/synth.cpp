#include "etchsim/model/synth.hpp"

#include <fmt/format.h>

#include "progress_meter.hpp"
#include "synth_data.hpp"

namespace etchsim::model {
namespace {

using gguf::GgmlType;

bool divides_rows(GgmlType type, int64_t ne0) { return ne0 % gguf::traits(type).block_elems == 0; }

// A matrix whose rows are not a whole number of blocks takes the type llama.cpp's quantizer
// falls back to (llama-quant.cpp, "not divisible by" ...), then F16 if even that does not fit.
TensorPlan matrix(std::string name, GgmlType type, int64_t ne0, int64_t ne1) {
  TensorPlan plan{std::move(name), type, {ne0, ne1}, {}};
  if (divides_rows(type, ne0)) return plan;
  const std::string_view wanted = gguf::traits(type).name;
  GgmlType fallback = GgmlType::F16;
  std::string why;
  switch (type) {
    case GgmlType::Q4_K:
      fallback = GgmlType::Q5_0;
      break;
    case GgmlType::Q6_K:
      fallback = GgmlType::Q8_0;
      break;
    case GgmlType::Q3_K:
      fallback = GgmlType::Q4_0;
      why = " (llama.cpp would use iq4_nl, which etchsim does not dequantize)";
      break;
    default:
      break;
  }
  if (!divides_rows(fallback, ne0)) fallback = GgmlType::F16;
  plan.type = fallback;
  plan.note = fmt::format("row length {} is not a multiple of {}'s block of {}: {}{}", ne0, wanted,
                          gguf::traits(type).block_elems, gguf::traits(fallback).name, why);
  return plan;
}

TensorPlan vector_f32(std::string name, int64_t n) {
  return TensorPlan{std::move(name), GgmlType::F32, {n}, {}};
}

void add_model_metadata(gguf::GgufWriter& writer, const SynthOptions& options) {
  const LlamaShape& s = options.shape;
  const std::string_view quant = quant_scheme_name(options.quant);
  writer.set("general.architecture", "llama");
  writer.set("general.name", fmt::format("etchsim-synth-{}-{}", s.name, quant));
  writer.set("general.file_type", llama_file_type(options.quant));
  writer.set("general.quantization_version", uint32_t{2});  // GGML_QNT_VERSION
  writer.set("etchsim.synth.seed", options.seed);
  writer.set("etchsim.synth.quant", std::string(quant));
  // ggml-formats.md §5.1: u32 counts, f32 freq_base and eps, dimension_count = head dim.
  writer.set("llama.context_length", s.n_ctx);
  writer.set("llama.embedding_length", s.n_embd);
  writer.set("llama.block_count", s.n_layer);
  writer.set("llama.feed_forward_length", s.n_ff);
  writer.set("llama.attention.head_count", s.n_head);
  writer.set("llama.attention.head_count_kv", s.n_head_kv);
  writer.set("llama.rope.freq_base", s.rope_freq_base);
  writer.set("llama.attention.layer_norm_rms_epsilon", s.rms_eps);
  writer.set("llama.rope.dimension_count", s.head_dim());
  writer.set("llama.vocab_size", s.n_vocab);
}

uint64_t data_bytes(const TensorPlan& t) {
  uint64_t rows = 1;
  for (size_t i = 1; i < t.ne.size(); ++i) rows *= static_cast<uint64_t>(t.ne[i]);
  return gguf::row_bytes(t.type, t.ne.at(0)) * rows;
}

}  // namespace

// ggml-formats.md §5.2, in the order llama.cpp's converter writes them.
std::vector<TensorPlan> plan_tensors(const SynthOptions& options) {
  const LlamaShape& s = options.shape;
  s.validate();
  const int64_t embd = s.n_embd, kv = s.n_embd_kv(), ff = s.n_ff, vocab = s.n_vocab;
  auto type = [&](bool wide) { return scheme_weight_type(options.quant, wide); };

  std::vector<TensorPlan> plan;
  plan.push_back(matrix("token_embd.weight", type(false), embd, vocab));
  for (uint32_t i = 0; i < s.n_layer; ++i) {
    const std::string blk = fmt::format("blk.{}.", i);
    plan.push_back(vector_f32(blk + "attn_norm.weight", embd));
    plan.push_back(matrix(blk + "attn_q.weight", type(false), embd, embd));
    plan.push_back(matrix(blk + "attn_k.weight", type(false), embd, kv));
    plan.push_back(matrix(blk + "attn_v.weight", type(true), embd, kv));
    plan.push_back(matrix(blk + "attn_output.weight", type(false), embd, embd));
    plan.push_back(vector_f32(blk + "ffn_norm.weight", embd));
    plan.push_back(matrix(blk + "ffn_gate.weight", type(false), embd, ff));
    plan.push_back(matrix(blk + "ffn_up.weight", type(false), embd, ff));
    plan.push_back(matrix(blk + "ffn_down.weight", type(true), ff, embd));
  }
  plan.push_back(vector_f32("output_norm.weight", embd));
  plan.push_back(matrix("output.weight", type(true), embd, vocab));
  if (s.rope_freqs) plan.push_back(vector_f32("rope_freqs.weight", s.head_dim() / 2));
  return plan;
}

void synth_model(const SynthOptions& options, const std::filesystem::path& out,
                 const SynthProgress& progress) {
  const std::vector<TensorPlan> plan = plan_tensors(options);

  gguf::GgufWriter writer;
  add_model_metadata(writer, options);
  add_vocab_metadata(writer, make_synth_vocab(options.vocab, options.shape.n_vocab));

  uint64_t total = 0;
  for (const TensorPlan& t : plan) total += data_bytes(t);
  detail::ProgressMeter meter(total, progress);
  for (const TensorPlan& t : plan) {
    gguf::TensorFill fill;
    if (t.name == "rope_freqs.weight") {
      fill = detail::one_row_fill(detail::llama31_rope_factors(options.shape));
    } else if (t.ne.size() == 1) {
      fill = detail::one_row_fill(detail::norm_weights(t, options.seed));
    } else {
      fill = detail::random_matrix_fill(t, options.seed, detail::weight_stddev(t, options.shape));
    }
    writer.add_tensor(
        t.name, t.type, t.ne,
        [fill = std::move(fill), &meter](int64_t row_begin, std::span<std::byte> bytes) {
          fill(row_begin, bytes);
          meter.add(bytes.size());
        });
  }
  writer.write(out);
  try {
    meter.finish();
  } catch (...) {
    std::filesystem::remove(out);  // a failing last progress report still fails the whole write
    throw;
  }
}

}  // namespace etchsim::model
