// What the model, golden and chip tests share: a per-process temporary directory (removed at
// exit; ctest runs every TEST in its own process), models synthesized into it on first use, and
// edited copies of GGUF files.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "etchsim/gguf/reader.hpp"
#include "etchsim/gguf/writer.hpp"
#include "etchsim/model/synth.hpp"

namespace etchsim::test_support {

namespace fs = std::filesystem;

inline const fs::path& temp_dir() {
  static const struct Dir {
    fs::path path = fs::temp_directory_path() / ("etchsim-test-" + std::to_string(::getpid()));
    Dir() { fs::create_directories(path); }
    ~Dir() { fs::remove_all(path); }
  } dir;
  return dir.path;
}

// tiny with GQA 3 and a non-power-of-two width: n_embd 96, 6 heads, 2 KV heads, ff 160, ctx 64
// (no K-quant fits its rows, so synth falls back to legacy types, as llama.cpp's quantiser does).
inline model::LlamaShape gqa3_shape(std::string name) {
  model::LlamaShape s = *model::named_shape("tiny");
  s.name = std::move(name);
  s.n_embd = 96;
  s.n_head = 6;
  s.n_head_kv = 2;
  s.n_ff = 160;
  s.n_ctx = 64;
  return s;
}

// The model of `shape` and `quant` synthesized with `seed` into temp_dir(), written on first use
// (the file is named after the shape and the scheme).
inline fs::path synth_once(const model::LlamaShape& shape, model::QuantScheme quant,
                           uint64_t seed) {
  const fs::path path =
      temp_dir() / (shape.name + "-" + std::string(model::quant_scheme_name(quant)) + ".gguf");
  if (!fs::exists(path)) {
    model::synth_model(model::SynthOptions{.shape = shape, .quant = quant, .seed = seed}, path);
  }
  return path;
}

// A copy of `source` named `name`: `edit` sees each tensor in order and returns true to copy it
// unchanged (no `edit`: every tensor), or false to drop it (after adding a replacement to the
// writer itself, if it wants). `edit_key` does the same for metadata keys (general.alignment is
// `alignment`, the writer's).
using TensorEdit =
    std::function<bool(const gguf::GgufFile&, const gguf::TensorInfo&, gguf::GgufWriter&)>;
using KeyEdit = std::function<bool(const std::string& key, gguf::GgufWriter&)>;
inline fs::path rewrite_file(const fs::path& source, const std::string& name,
                             const TensorEdit& edit, const KeyEdit& edit_key = {},
                             uint32_t alignment = gguf::kDefaultAlignment) {
  const fs::path path = temp_dir() / name;
  const gguf::GgufFile in = gguf::GgufFile::open(source);
  gguf::GgufWriter out(alignment);
  for (const auto& [key, value] : in.metadata()) {
    if (key != "general.alignment" && (!edit_key || edit_key(key, out))) out.set(key, value);
  }
  for (const gguf::TensorInfo& t : in.tensors()) {
    if (edit && !edit(in, t, out)) continue;
    const auto bytes = in.tensor_data(t);
    out.add_tensor(t.name, t.type, std::vector<int64_t>(t.ne.begin(), t.ne.begin() + t.n_dims),
                   std::vector<std::byte>(bytes.begin(), bytes.end()));
  }
  out.write(path);
  return path;
}

}  // namespace etchsim::test_support
