#include <gtest/gtest.h>

#include <string>

#include "etchsim/arch/chip_config.hpp"
#include "etchsim/arch/config_error.hpp"
#include "etchsim/arch/config_keys.hpp"

namespace etchsim::arch {
namespace {

const std::string kConfigs = std::string(ETCHSIM_SOURCE_DIR) + "/configs/";

// The ConfigError `body` throws; fails the test when it throws nothing.
template <typename F>
ConfigError config_error(F&& body) {
  try {
    body();
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "no ConfigError";
  return ConfigError("", "", "none");
}

TEST(ChipConfig, LoadsHc1) {
  const ChipConfig c = load_config(kConfigs + "hc1.toml");
  EXPECT_DOUBLE_EQ(c.clock.clock_mhz, 1000.0);
  EXPECT_EQ(c.datapath.activation_lanes, 32u);
  EXPECT_EQ(c.kv_sram.banks, 256u);             // calibrated (docs/validation.md)
  EXPECT_EQ(c.kv_sram.element, KvElement::I8);  // calibrated: 8-bit KV
  EXPECT_EQ(c.process.node, "N6");
  EXPECT_FALSE(c.weight_cells.allow_f16_weights);
  EXPECT_DOUBLE_EQ(c.clock_hz(), 1e9);
}

TEST(ChipConfig, LoraPathKeys) {
  // Defaults.
  EXPECT_EQ(ChipConfig{}.datapath.lora_lanes, 64u);
  EXPECT_EQ(ChipConfig{}.lora_sram.read_latency, 1u);
  // hc1: 512 lanes x 16-bit weights = 32 banks x 256 bits per layer (configs/hc1.toml).
  const ChipConfig hc1 = load_config(kConfigs + "hc1.toml");
  EXPECT_EQ(hc1.datapath.lora_lanes, 512u);
  EXPECT_EQ(hc1.lora_sram.banks, 32u);
  EXPECT_EQ(hc1.lora_sram.word_bits, 256u);
  EXPECT_EQ(hc1.lora_sram.read_latency, 2u);
  EXPECT_EQ(uint64_t{hc1.datapath.lora_lanes} * 16,
            uint64_t{hc1.lora_sram.banks} * hc1.lora_sram.word_bits);
  const ChipConfig tiny = load_config(kConfigs + "tiny.toml");
  EXPECT_EQ(tiny.datapath.lora_lanes, 16u);
  EXPECT_EQ(tiny.lora_sram.banks, 2u);
  // Ranges: lanes 1-65536, read latency 1-64.
  EXPECT_EQ(parse_config("[datapath]\nlora_lanes = 65536\n", "f").datapath.lora_lanes, 65536u);
  EXPECT_EQ(config_error([] { parse_config("[datapath]\nlora_lanes = 0\n", "f"); }).key(),
            "datapath.lora_lanes");
  EXPECT_EQ(config_error([] { parse_config("[datapath]\nlora_lanes = 65537\n", "f"); }).key(),
            "datapath.lora_lanes");
  EXPECT_EQ(config_error([] { parse_config("[lora_sram]\nread_latency = 65\n", "f"); }).key(),
            "lora_sram.read_latency");
  ChipConfig c;
  apply_override(c, "lora_sram.read_latency=3");
  EXPECT_EQ(c.lora_sram.read_latency, 3u);
}

TEST(ChipConfig, LoadsTiny) {
  const ChipConfig c = load_config(kConfigs + "tiny.toml");
  EXPECT_EQ(c.datapath.activation_lanes, 16u);
  EXPECT_EQ(c.kv_sram.banks, 4u);
  EXPECT_TRUE(c.weight_cells.allow_f16_weights);
}

TEST(ChipConfig, ToTomlRoundTrips) {
  ChipConfig c = load_config(kConfigs + "hc1.toml");
  c.kv_sram.element = KvElement::I8;
  c.clock.clock_mhz = 1234.5;
  const std::string text = to_toml(c);
  EXPECT_EQ(parse_config(text, "resolved"), c);
  for (const auto& key : config_keys()) {
    const auto name = key.key.substr(key.key.find('.') + 1);
    EXPECT_NE(text.find(std::string(name)), std::string::npos) << key.key;
    EXPECT_FALSE(key.doc.empty()) << key.key;
  }
}

TEST(ChipConfig, ServingPolicy) {
  EXPECT_EQ(ChipConfig{}.serving.admission, "queue");
  EXPECT_EQ(ChipConfig{}.serving.max_users, 0u);
  const ChipConfig c =
      parse_config("[serving]\nadmission = \"refuse\"\nmax_users = 4\n", "serving.toml");
  EXPECT_EQ(c.serving.admission, "refuse");
  EXPECT_EQ(c.serving.max_users, 4u);
  EXPECT_EQ(config_error([] { parse_config("[serving]\nadmission = \"drop\"\n", "f"); }).key(),
            "serving.admission");
}

TEST(ChipConfig, UnknownKeyIsNamedWithTheFile) {
  const auto e = config_error([] { parse_config("[kv_sram]\nbankz = 4\n", "chip.toml"); });
  EXPECT_EQ(e.key(), "kv_sram.bankz");
  EXPECT_EQ(e.source(), "chip.toml");
  EXPECT_NE(std::string(e.what()).find("chip.toml: kv_sram.bankz"), std::string::npos) << e.what();
  EXPECT_EQ(config_error([] { parse_config("[dram]\nx = 1\n", "f"); }).key(), "dram.x");
  EXPECT_EQ(config_error([] { parse_config("clock_mhz = 1\n", "f"); }).key(), "clock_mhz");
}

TEST(ChipConfig, WrongTypeIsNamed) {
  auto e = config_error([] { parse_config("[kv_sram]\nbanks = \"many\"\n", "f"); });
  EXPECT_EQ(e.key(), "kv_sram.banks");
  EXPECT_NE(std::string(e.what()).find("integer"), std::string::npos);
  e = config_error([] { parse_config("[kv_sram]\nbanks = 4.5\n", "f"); });
  EXPECT_EQ(e.key(), "kv_sram.banks");
  e = config_error([] { parse_config("[weight_cells]\nallow_f16_weights = 1\n", "f"); });
  EXPECT_EQ(e.key(), "weight_cells.allow_f16_weights");
  // An integer is a fine real.
  EXPECT_DOUBLE_EQ(parse_config("[clock]\nclock_mhz = 750\n", "f").clock.clock_mhz, 750.0);
}

TEST(ChipConfig, OutOfRangeIsNamed) {
  EXPECT_EQ(config_error([] { parse_config("[kv_sram]\nbanks = 0\n", "f"); }).key(),
            "kv_sram.banks");
  EXPECT_EQ(config_error([] { parse_config("[clock]\nclock_mhz = -5.0\n", "f"); }).key(),
            "clock.clock_mhz");
  EXPECT_EQ(config_error([] { parse_config("[kv_sram]\nelement = \"f8\"\n", "f"); }).key(),
            "kv_sram.element");
  EXPECT_EQ(config_error([] { parse_config("[process]\nnode = \"N2\"\n", "f"); }).key(),
            "process.node");
}

TEST(ChipConfig, SyntaxErrorNamesFileAndLine) {
  const auto e = config_error([] { parse_config("[clock]\nclock_mhz = = 3\n", "bad.toml"); });
  EXPECT_NE(std::string(e.what()).find("bad.toml"), std::string::npos);
  EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
  EXPECT_THROW(load_config(kConfigs + "no-such.toml"), ConfigError);
}

TEST(ChipConfig, OverridesApply) {
  ChipConfig c = load_config(kConfigs + "hc1.toml");
  apply_override(c, "kv_sram.capacity_mib=256");
  apply_override(c, " clock.clock_mhz = 1500.5 ");
  apply_override(c, "process.node=N5");
  apply_override(c, "kv_sram.element=\"i8\"");
  apply_override(c, "weight_cells.allow_f16_weights=true");
  EXPECT_DOUBLE_EQ(c.kv_sram.capacity_mib, 256.0);
  EXPECT_DOUBLE_EQ(c.clock.clock_mhz, 1500.5);
  EXPECT_EQ(c.process.node, "N5");
  EXPECT_EQ(c.kv_sram.element, KvElement::I8);
  EXPECT_TRUE(c.weight_cells.allow_f16_weights);
}

TEST(ChipConfig, BadOverridesAreNamed) {
  ChipConfig c;
  const ChipConfig before = c;
  auto e = config_error([&] { apply_override(c, "kv_sram.size=4"); });
  EXPECT_EQ(e.key(), "kv_sram.size");
  EXPECT_EQ(e.source(), "--set");
  EXPECT_EQ(config_error([&] { apply_override(c, "kv_sram.banks"); }).key(), "kv_sram.banks");
  EXPECT_EQ(config_error([&] { apply_override(c, "kv_sram.banks="); }).key(), "kv_sram.banks");
  EXPECT_EQ(config_error([&] { apply_override(c, "kv_sram.banks=lots"); }).key(), "kv_sram.banks");
  EXPECT_EQ(config_error([&] { apply_override(c, "kv_sram.banks=0"); }).key(), "kv_sram.banks");
  EXPECT_EQ(config_error([&] { apply_override(c, "datapath.matvec_units=9"); }).key(),
            "datapath.matvec_units");
  EXPECT_EQ(c, before);
}

// --set takes the same names as sweep --vary: a key's part after the dot when only one section
// has it; an unknown key names the nearest ones, an ambiguous one its candidates.
TEST(ChipConfig, ShortKeysResolveAndUnknownKeysNameTheNearest) {
  ChipConfig c = load_config(kConfigs + "hc1.toml");
  apply_override(c, "clock_mhz=750");
  EXPECT_DOUBLE_EQ(c.clock.clock_mhz, 750.0);
  EXPECT_EQ(config_error([&] { apply_override(c, "clock_mhz=0"); }).key(), "clock.clock_mhz");
  const ConfigError typo = config_error([&] { apply_override(c, "clock.clok_mhz=1"); });
  EXPECT_NE(std::string(typo.what()).find("nearest: clock.clock_mhz"), std::string::npos)
      << typo.what();
  const ConfigError both = config_error([&] { apply_override(c, "banks=4"); });
  EXPECT_NE(std::string(both.what()).find("kv_sram.banks"), std::string::npos) << both.what();
  EXPECT_NE(std::string(both.what()).find("lora_sram.banks"), std::string::npos) << both.what();
  EXPECT_EQ(&resolve_config_key("activation_lanes", "x"),
            find_config_key("datapath.activation_lanes"));
}

}  // namespace
}  // namespace etchsim::arch
