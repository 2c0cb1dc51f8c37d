// Pieces shared by the Verilator testbenches etchsim generates (testbench.cpp for matvec units,
// kv_testbench.cpp for KV schedules): their text is a template with @NAME@ placeholders.
#pragma once

#include <string>

namespace etchsim::rtl {

// The testbenches' seeded generator (SplitMix64) for random input gaps and output back-pressure;
// a template places it with @SPLITMIX@.
inline constexpr const char* kTestbenchSplitmix = R"(uint64_t splitmix(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
})";

// Replaces every `what` in `s` with `with` (a placeholder with its value).
inline void replace_all(std::string& s, const std::string& what, const std::string& with) {
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + with.size())) {
    s.replace(at, what.size(), with);
  }
}

}  // namespace etchsim::rtl
