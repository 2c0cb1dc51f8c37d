#include "etchsim/rtl/loop_unit.hpp"

#include <dlfcn.h>

#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "etchsim/numerics/dot.hpp"
#include "etchsim/numerics/dot_terms.hpp"
#include "etchsim/rtl/testbench.hpp"
#include "etchsim/rtl/unit_check.hpp"
#include "etchsim/rtl/verilator.hpp"

namespace etchsim::rtl {

struct LoopUnit::Library {
  void* handle = nullptr;
  void* (*create)() = nullptr;
  void (*destroy)(void*) = nullptr;
  int (*cycle)(void*, int, int, const int8_t*, const uint32_t*, int, uint32_t*) = nullptr;
  ~Library() {
    if (handle) dlclose(handle);
  }
};

namespace {

template <class F>
F symbol(void* handle, const char* name, const std::string& path) {
  void* p = dlsym(handle, name);
  if (!p) throw std::runtime_error(path + " has no symbol " + name);
  return reinterpret_cast<F>(p);
}

}  // namespace

LoopUnit::LoopUnit(const MatvecUnitSpec& spec, const std::string& dir, int jobs)
    : m_spec(spec), m_geometry(matvec_geometry(spec)), m_lib(std::make_unique<Library>()) {
  namespace fs = std::filesystem;
  const std::vector<std::string> sources = write_unit_sources(spec, dir);
  const fs::path shim = fs::path(dir) / ("loop_" + spec.module + ".cpp");
  write_text_file(shim.string(), matvec_loop_shim_cpp(spec.module, m_geometry));
  const std::string obj = (fs::path(dir) / ("loop_obj_" + spec.module)).string();
  const std::string log = (fs::path(dir) / ("loop_" + spec.module + ".verilator.log")).string();
  const std::string lib = "lib" + spec.module + ".so";
  // A shared library: every object position-independent, the "executable" linked -shared.
  const ToolRun build = verilate(spec.module, {sources[1], sources[0], shim.string()}, obj, lib,
                                 {"-CFLAGS", "-fPIC", "-LDFLAGS", "-shared"}, log, jobs);
  m_build_seconds = build.seconds;
  const std::string path = obj + "/" + lib;
  m_lib->handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!m_lib->handle) throw std::runtime_error("cannot load " + path + ": " + dlerror());
  m_lib->create = symbol<void* (*)()>(m_lib->handle, "etchsim_rtl_new", path);
  m_lib->destroy = symbol<void (*)(void*)>(m_lib->handle, "etchsim_rtl_delete", path);
  m_lib->cycle = symbol<int (*)(void*, int, int, const int8_t*, const uint32_t*, int, uint32_t*)>(
      m_lib->handle, "etchsim_rtl_cycle", path);
  m_top = m_lib->create();
  std::vector<int8_t> zeros(m_geometry.lanes, 0);
  std::vector<uint32_t> no_scales(m_geometry.blocks_per_chunk, 0);
  for (uint64_t i = 0; i < 2 * m_geometry.tree_stages + 8; ++i) {
    cycle(true, false, zeros.data(), no_scales.data(), nullptr);
  }
  m_first = step_token(nullptr);
  m_tokens = 0;
}

LoopUnit::~LoopUnit() {
  if (m_top) m_lib->destroy(m_top);
}

int LoopUnit::cycle(bool rst, bool in_valid, const int8_t* codes, const uint32_t* scales,
                    uint32_t* out_y) {
  ++m_cycles;
  return m_lib->cycle(m_top, rst, in_valid, codes, scales, 1, out_y);
}

arch::UnitTiming LoopUnit::step_token(const numerics::Activation* x) {
  const MatvecGeometry& g = m_geometry;
  std::vector<int8_t> codes(g.chunks * g.lanes, 0);
  std::vector<uint32_t> scales(g.chunks * g.blocks_per_chunk, 0);
  if (x) {
    const numerics::ActivationCodes a = numerics::activation_codes(*x);
    if (a.q.size() != static_cast<size_t>(g.cols)) {
      throw std::invalid_argument(m_spec.module + ": activation of the wrong width");
    }
    std::copy(a.q.begin(), a.q.end(), codes.begin());
    for (uint64_t k = 0; k < g.chunks; ++k) {
      for (uint32_t bc = 0; bc < g.blocks_per_chunk; ++bc) {
        const uint64_t block = k * g.lanes / g.block_elems + bc;
        if (block < a.bits.size()) scales[k * g.blocks_per_chunk + bc] = a.bits[block];
      }
    }
  }
  std::vector<uint32_t> out(static_cast<size_t>(g.rows), 0);
  uint64_t chunk = 0;
  uint64_t t = 0;
  uint64_t last_taken = 0;
  const uint64_t limit = g.chunks + g.formula.latency + 1000;
  for (;; ++t) {
    if (t > limit) throw std::runtime_error(m_spec.module + ": the RTL produced no output");
    const bool offer = chunk < g.chunks;
    const int8_t* c = codes.data() + (offer ? chunk : 0) * g.lanes;
    const uint32_t* s = scales.data() + (offer ? chunk : 0) * g.blocks_per_chunk;
    const int flags = cycle(false, offer, c, s, out.data());
    if (offer && (flags & 1)) {
      last_taken = t;
      ++chunk;
    }
    if (flags & 2) break;
  }
  // Cycle 0 took chunk 0; the output register was written at edge t. The next token's chunk 0
  // could have been taken the cycle after the last chunk.
  const arch::UnitTiming timing{t, last_taken + 1};
  // One more clock so the output register empties (out_ready is always 1).
  cycle(false, false, codes.data(), scales.data(), nullptr);
  ++m_tokens;
  if (x) {
    size_t r = 0;
    for (const MatrixSlice& m : m_spec.matrices) {
      const auto order = matrix_dot_order(m, m_spec.profile);
      const size_t row_bytes = gguf::row_bytes(m.weights.type, m.weights.cols);
      for (int64_t row = m.row_begin; row < m.row_end; ++row, ++r) {
        const float want = numerics::dot_row(
            m.weights.type, order, m_spec.profile,
            m.weights.data.subspan(static_cast<size_t>(row) * row_bytes, row_bytes), *x);
        uint32_t bits = 0;
        std::memcpy(&bits, &want, 4);
        ++m_checked;
        if (bits != out[r]) ++m_mismatches;
      }
    }
  }
  return timing;
}

}  // namespace etchsim::rtl
