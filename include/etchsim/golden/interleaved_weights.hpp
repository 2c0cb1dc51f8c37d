// The model's weight matrices that the fast kernels read from an interleaved layout
// (numerics/repack.hpp: Q4_0 and Q4_K in llama.cpp's repacked order, i.e. rows % 8 == 0), copied
// into it once at load, as llama.cpp's CPU_REPACK buffer is filled at load: the 8-row kernels then
// read one sequential stream instead of eight rows at row stride (docs/golden.md "Speed"). After a
// matrix is copied, the file's pages under it are released (gguf::GgufFile::release_pages), so
// the resident set holds each weight once; anything that reads the file's bytes later (the
// scalar kernel, the RTL weight ROMs, embedding rows of a tied output) maps them again.
#pragma once

#include <cstddef>
#include <span>
#include <unordered_map>

#include "etchsim/model/llama_model.hpp"
#include "etchsim/numerics/profile.hpp"

namespace etchsim::golden {

class InterleavedWeights {
 public:
  InterleavedWeights() = default;  // none: every matrix is read from the file
  // Copies every matrix of `model` (the layers' seven and the LM head) whose default order under
  // `profile` has an interleaved layout, on the calling thread's oneTBB arena (one matrix per
  // task). Throws std::runtime_error when the anonymous memory cannot be mapped.
  InterleavedWeights(const model::LlamaModel& model, numerics::CpuProfile profile);
  InterleavedWeights(InterleavedWeights&& other) noexcept;
  InterleavedWeights& operator=(InterleavedWeights&& other) noexcept;
  InterleavedWeights(const InterleavedWeights&) = delete;
  InterleavedWeights& operator=(const InterleavedWeights&) = delete;
  ~InterleavedWeights();

  // The interleaved copy of `w` (a matrix of the model), or empty.
  std::span<const std::byte> find(const model::TensorView& w) const;
  size_t bytes() const { return m_size; }  // of the anonymous mapping (0: none)

 private:
  std::byte* m_base = nullptr;
  size_t m_size = 0;
  // Keyed by the first byte of the matrix in the file.
  std::unordered_map<const std::byte*, std::span<const std::byte>> m_copies;
};

}  // namespace etchsim::golden
