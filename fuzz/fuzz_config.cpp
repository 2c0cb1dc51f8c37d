// libFuzzer harness: the TOML chip configuration, then `--set` overrides. Input: TOML text, a NUL
// byte, then one override per line. A configuration that loads must survive to_toml() and
// parse_config() unchanged (the round trip the sweep relies on).
#include <string>
#include <string_view>

#include "etchsim/arch/chip_config.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace etchsim;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  const std::string_view toml = input.substr(0, nul);
  const std::string_view overrides = nul == std::string_view::npos ? "" : input.substr(nul + 1);
  fuzz::run_guarded([&] {
    arch::ChipConfig config = arch::parse_config(toml, "fuzz.toml");
    size_t at = 0;
    while (at < overrides.size()) {
      const size_t end = std::min(overrides.find('\n', at), overrides.size());
      const std::string_view line = overrides.substr(at, end - at);
      at = end + 1;
      if (!line.empty()) arch::apply_override(config, line);
    }
    const std::string text = arch::to_toml(config);
    if (arch::to_toml(arch::parse_config(text, "round-trip")) != text) std::abort();
  });
  return 0;
}
