// etchsim_vp: a SystemC virtual platform with the etchsim chip as TLM-2.0 IP (docs/integration.md).
// A CPU model (cpu.hpp) runs a prompt script (prompt_script.hpp) on the chip through its target
// socket and prints the generated tokens and the chip's cycle counts, to compare with
//   etchsim run MODEL.gguf --config CONFIG.toml --prompt TEXT -n N --mode functional
//
// Usage: etchsim_vp MODEL.gguf CONFIG.toml SCRIPT [--access-cycles N] [--quantum-cycles Q]
// Errors print one line to stderr and exit 1.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <systemc>
#include <tlm>
#include <vector>

#include "cpu.hpp"
#include "etchsim/arch/chip_config.hpp"
#include "etchsim/chip/chip.hpp"
#include "etchsim/gguf/reader.hpp"
#include "etchsim/golden/layer_datapath.hpp"
#include "etchsim/model/llama_model.hpp"
#include "etchsim/model/tokenizer.hpp"
#include "etchsim/sim/run.hpp"
#include "prompt_script.hpp"

namespace {

// The platform's clock: one chip cycle is 1 ns of SystemC time, as in `etchsim run`, so SystemC
// time counts cycles whatever clock_mhz the configuration gives.
const sc_core::sc_time kCycle(1, sc_core::SC_NS);
constexpr uint64_t kMaxAccessCycles = 1'000'000;
constexpr uint64_t kMaxQuantumCycles = 1'000'000'000;

struct Args {
  std::string model, config, script;
  uint64_t access_cycles = 0;
  uint64_t quantum_cycles = 1000;
};

uint64_t parse_option(std::string_view name, const char* text, uint64_t min, uint64_t max) {
  const std::string_view s = text;
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || value < min || value > max) {
    throw std::invalid_argument(
        fmt::format("{} '{}': give a whole number from {} to {}", name, s, min, max));
  }
  return value;
}

Args parse_args(int argc, char* argv[]) {
  Args args;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--access-cycles" || arg == "--quantum-cycles") {
      if (i + 1 >= argc) throw std::invalid_argument(fmt::format("{} needs a value", arg));
      if (arg == "--access-cycles") {
        args.access_cycles = parse_option(arg, argv[++i], 0, kMaxAccessCycles);
      } else {
        args.quantum_cycles = parse_option(arg, argv[++i], 1, kMaxQuantumCycles);
      }
    } else if (arg.starts_with("--")) {
      throw std::invalid_argument(fmt::format("unknown option '{}'", arg));
    } else {
      positional.emplace_back(arg);
    }
  }
  if (positional.size() != 3) {
    throw std::invalid_argument(
        "usage: etchsim_vp MODEL.gguf CONFIG.toml SCRIPT [--access-cycles N] [--quantum-cycles Q]");
  }
  args.model = positional[0];
  args.config = positional[1];
  args.script = positional[2];
  return args;
}

// The text with bytes outside printable ASCII as \xNN: a random-weight model's tokens decode to
// arbitrary bytes, and the log stays plain text.
std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f && byte != '\\') {
      out += c;
    } else {
      out += fmt::format("\\x{:02x}", byte);
    }
  }
  return out;
}

int run_platform(const Args& args) {
  const vp::PromptScript script = vp::load_prompt_script(args.script);
  const etchsim::arch::ChipConfig config = etchsim::arch::load_config(args.config);
  const etchsim::gguf::GgufFile file = etchsim::gguf::GgufFile::open(args.model);
  const etchsim::model::LlamaModel model(file);
  const etchsim::model::LlamaShape& shape = model.shape();
  const etchsim::model::Tokenizer tokenizer = etchsim::model::Tokenizer::from_gguf(file);
  const std::vector<int32_t> prompt =
      script.prompt_text ? tokenizer.encode(*script.prompt_text) : script.prompt_ids;
  if (prompt.empty())
    throw std::invalid_argument(fmt::format("{}: the prompt has no tokens", args.script));
  for (const int32_t id : prompt) {
    if (id < 0 || static_cast<uint32_t>(id) >= shape.n_vocab) {
      throw std::invalid_argument(fmt::format("{}: token id {} is outside the vocabulary [0, {})",
                                              args.script, id, shape.n_vocab));
    }
  }
  const uint64_t positions = prompt.size() + script.n_generate;
  if (positions > shape.n_ctx) {
    throw std::invalid_argument(
        fmt::format("{}: {} prompt + {} generated tokens exceed the model's context of {}",
                    args.script, prompt.size(), script.n_generate, shape.n_ctx));
  }

  // The chip: the model's weights hard-wired, its arithmetic from the same datapath as golden/.
  const etchsim::golden::LayerDatapath datapath(model, etchsim::numerics::kDefaultCpuProfile,
                                                etchsim::numerics::Kernel::Fast);
  etchsim::chip::ChipParams params{.config = config,
                                   .shape = shape,
                                   .types = etchsim::sim::model_weight_types(model),
                                   .max_positions = static_cast<uint32_t>(positions),
                                   .datapath = &datapath,
                                   .sampling = {},  // greedy, as etchsim run's default
                                   .lockstep = false,
                                   .clock_period = kCycle,
                                   .timing_overrides = {}};
  etchsim::chip::Chip chip("chip", params);

  tlm::tlm_global_quantum::instance().set(kCycle * static_cast<double>(args.quantum_cycles));
  vp::Cpu cpu("cpu",
              {.prompt = prompt,
               .n_generate = script.n_generate,
               .access_cycles = args.access_cycles,
               .clock_period = kCycle},
              [&datapath](int32_t token, std::span<float> out) { datapath.embedding(token, out); });
  cpu.socket.bind(chip.host_socket);

  fmt::print("etchsim_vp: chip with {} layers, n_embd {}, n_vocab {}, clock {} MHz\n",
             shape.n_layer, shape.n_embd, shape.n_vocab, config.clock.clock_mhz);
  fmt::print("cpu: {} cycles per access, quantum {} cycles\n", args.access_cycles,
             args.quantum_cycles);
  fmt::print("prompt: {} tokens: {}\n", prompt.size(), fmt::join(prompt, ","));
  cpu.on_token = [](uint32_t pos, int32_t token, uint64_t cycle) {
    fmt::print("token at position {}: {} (cycle {})\n", pos, token, cycle);
  };
  sc_core::sc_start();
  if (!cpu.finished())
    throw std::runtime_error(cpu.error().empty() ? "the CPU did not finish" : cpu.error());

  const vp::CpuResult& r = cpu.result();
  fmt::print("user 0 tokens: {}\n", fmt::join(r.tokens, ","));
  fmt::print("user 0 text: {}\n", printable(tokenizer.decode(r.tokens)));
  if (!r.token_cycles.empty()) {
    fmt::print("first_input_cycle {}\nfirst_token_cycle {}\nlast_token_cycle {}\n",
               r.first_input_cycle, r.token_cycles.front(), r.token_cycles.back());
  }
  fmt::print("cycles_total {}\n", r.closed_cycle);
  fmt::print("cpu: {} accesses, {} debug reads, {} quantum synchronisations\n", r.accesses,
             r.debug_reads, r.syncs);
  return 0;
}

}  // namespace

// SystemC's main() calls sc_main (IEEE 1666 §4.3); main() here only silences its banner first.
int main(int argc, char* argv[]) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  return sc_core::sc_elab_and_sim(argc, argv);
}

int sc_main(int argc, char* argv[]) {
  // SystemC's informational notes ("Simulation stopped by user.") would land in the log.
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  try {
    return run_platform(parse_args(argc, argv));
  } catch (const std::exception& e) {
    std::fflush(stdout);
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
