// Verilator's runtime objects (verilated.o, verilated_dpi.o, verilated_threads.o and their make
// dependency files) are the same for every unit built with the same Verilator and the same
// compiler flags, yet its generated makefile compiles them again in every new obj_dir: at -O0
// that is about 60% of a small unit's build. They are kept once in a cache and copied into each
// new obj_dir before the build, where make finds them up to date.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace etchsim::rtl {

class VerilatorRuntimeCache {
 public:
  // The cache entry for builds with `flags` (everything that reaches the compiler: -CFLAGS,
  // -MAKEFLAGS). Its directory: $ETCHSIM_VERILATOR_CACHE, else $XDG_CACHE_HOME/etchsim/verilator-
  // runtime, else $HOME/.cache/etchsim/verilator-runtime; a subdirectory keyed by the Verilator
  // version and the flags. No usable directory: the cache does nothing.
  explicit VerilatorRuntimeCache(const std::vector<std::string>& flags);

  // Copies the cached objects into obj_dir (created); false when there are none.
  bool seed(const std::string& obj_dir) const;

  // After a successful build: keeps obj_dir's runtime objects when the cache has none (written to
  // a temporary directory and renamed, so concurrent builds never see half an entry).
  void store(const std::string& obj_dir) const;

 private:
  std::optional<std::string> m_entry;
};

}  // namespace etchsim::rtl
