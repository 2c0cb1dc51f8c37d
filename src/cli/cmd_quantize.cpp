// `etchsim quantize`: requantize a Llama GGUF into one of the chip's weight schemes, with the
// bytes llama-quantize would write (quant/requantize.hpp).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <stdexcept>

#include "etchsim/cli/commands.hpp"
#include "etchsim/gguf/reader.hpp"
#include "etchsim/quant/requantize.hpp"
#include "human_units.hpp"
#include "progress_line.hpp"
#include "sweep_schemes.hpp"

namespace etchsim::cli {
namespace {

struct QuantizeArgs {
  std::string in;
  std::string out;
  std::string scheme;
  bool keep_output_f16 = false;
};

// One warning per distinct fallback reason, not one per tensor.
void warn_about_fallbacks(const std::vector<quant::TensorChoice>& plan) {
  std::map<std::string, std::vector<std::string>> by_note;
  for (const auto& c : plan) {
    if (!c.note.empty()) by_note[c.note].push_back(c.in->name);
  }
  for (const auto& [note, names] : by_note) {
    spdlog::warn("{} tensor(s), e.g. {}: {}", names.size(), names.front(), note);
  }
}

// Files smaller than this convert in well under a second: no progress line.
constexpr uint64_t kProgressMinBytes = uint64_t{32} << 20;

int run_quantize(const QuantizeArgs& args) {
  const model::QuantScheme scheme = parse_quantize_scheme(args.scheme, "--scheme");
  std::error_code ec;
  if (std::filesystem::equivalent(args.in, args.out, ec)) {
    throw std::invalid_argument(
        fmt::format("-o {} is the input file; write the quantized model elsewhere", args.out));
  }
  const quant::RequantizeOptions options{.scheme = scheme, .keep_output_f16 = args.keep_output_f16};
  const gguf::GgufFile in = gguf::GgufFile::open(args.in);
  warn_about_fallbacks(quant::plan_requantize(in, options));

  const auto start = std::chrono::steady_clock::now();
  ProgressLine progress("quantize");
  const quant::RequantizeSummary s =
      quant::requantize(in, args.out, options, [&](uint64_t done, uint64_t total) {
        if (total >= kProgressMinBytes) progress.update(done, total);
      });
  progress.finish();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // A summary on stderr, as the progress: stdout stays free for results.
  fmt::print(stderr,
             "quantize: wrote {} ({}{}): {} parameters, {:.3f} bits/weight, tensor data {} -> "
             "{}, file {}; {} tensors converted, {} by a fallback type; {:.2f} s\n",
             args.out, model::quant_scheme_name(scheme),
             args.keep_output_f16 ? ", output.weight f16" : "", human_count(s.n_params),
             s.bits_per_weight(), human_bytes(s.bytes_in), human_bytes(s.bytes_out),
             human_bytes(s.file_bytes), s.n_requantized, s.n_fallback, secs);
  return 0;
}

}  // namespace

CommandRunner register_quantize(CLI::App& app) {
  auto args = std::make_shared<QuantizeArgs>();
  app.add_option("input", args->in, "Llama GGUF with F32, F16, BF16 or Q8_0 weights")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("-o,--output", args->out, "Output GGUF file")->required();
  app.add_option("--scheme", args->scheme,
                 "Weight scheme: mix36 (Q3_K, with Q6_K for attn_v, ffn_down and output), q3_k, "
                 "q4_0, q4_k, q6_k, q8_0, f16 or f32")
      ->required();
  app.add_flag("--keep-output-f16", args->keep_output_f16,
               "Keep output.weight at F16 (llama-quantize --output-tensor-type f16)");
  return [args] { return run_quantize(*args); };
}

}  // namespace etchsim::cli
