// Small synthesized models for the golden tests, written once per test binary into a temporary
// directory (removed at exit).
#pragma once

#include <unistd.h>

#include <filesystem>
#include <functional>
#include <string>

#include "etchsim/gguf/reader.hpp"
#include "etchsim/gguf/writer.hpp"
#include "etchsim/model/synth.hpp"

namespace etchsim::golden::testing {

namespace fs = std::filesystem;

inline const fs::path& temp_dir() {
  static const struct Dir {
    fs::path path =
        fs::temp_directory_path() / ("etchsim-golden-test-" + std::to_string(::getpid()));
    Dir() { fs::create_directories(path); }
    ~Dir() { fs::remove_all(path); }
  } dir;
  return dir.path;
}

// tiny with GQA 3 and a non-power-of-two width: n_embd 96, 6 heads, 2 KV heads, ff 160, ctx 64.
inline model::LlamaShape test_shape() {
  model::LlamaShape s = *model::named_shape("tiny");
  s.name = "golden-test";
  s.n_embd = 96;
  s.n_head = 6;
  s.n_head_kv = 2;
  s.n_ff = 160;
  s.n_ctx = 64;
  return s;
}

// The synthesized model of a scheme, written on first use.
inline fs::path synth_file(model::QuantScheme quant,
                           const model::LlamaShape& shape = test_shape()) {
  const fs::path path =
      temp_dir() / (shape.name + "-" + std::string(model::quant_scheme_name(quant)) + ".gguf");
  if (!fs::exists(path)) {
    model::synth_model(model::SynthOptions{.shape = shape, .quant = quant, .seed = 11}, path);
  }
  return path;
}

// A copy of `source` named `name`: `edit` sees each tensor in order and returns true to copy it
// unchanged, or false to drop it (after adding a replacement to the writer itself, if it wants).
// `edit_key` does the same for metadata keys (general.alignment is always the writer's default).
using TensorEdit =
    std::function<bool(const gguf::GgufFile&, const gguf::TensorInfo&, gguf::GgufWriter&)>;
using KeyEdit = std::function<bool(const std::string& key, gguf::GgufWriter&)>;
inline fs::path rewrite_file(const fs::path& source, const std::string& name,
                             const TensorEdit& edit, const KeyEdit& edit_key = {}) {
  const fs::path path = temp_dir() / name;
  const gguf::GgufFile in = gguf::GgufFile::open(source);
  gguf::GgufWriter out;
  for (const auto& [key, value] : in.metadata()) {
    if (key != "general.alignment" && (!edit_key || edit_key(key, out))) out.set(key, value);
  }
  for (const gguf::TensorInfo& t : in.tensors()) {
    if (!edit(in, t, out)) continue;
    const auto bytes = in.tensor_data(t);
    out.add_tensor(t.name, t.type, std::vector<int64_t>(t.ne.begin(), t.ne.begin() + t.n_dims),
                   std::vector<std::byte>(bytes.begin(), bytes.end()));
  }
  out.write(path);
  return path;
}

}  // namespace etchsim::golden::testing
