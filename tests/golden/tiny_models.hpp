// Small synthesized models for the golden tests, written once per test binary into a temporary
// directory (removed at exit).
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "../support/test_models.hpp"
#include "etchsim/gguf/reader.hpp"
#include "etchsim/gguf/writer.hpp"
#include "etchsim/model/synth.hpp"

namespace etchsim::golden::testing {

namespace fs = std::filesystem;

using test_support::temp_dir;

// tiny with GQA 3 and a non-power-of-two width (test_support::gqa3_shape).
inline model::LlamaShape test_shape() { return test_support::gqa3_shape("golden-test"); }

// The synthesized model of a scheme, written on first use.
inline fs::path synth_file(model::QuantScheme quant,
                           const model::LlamaShape& shape = test_shape()) {
  return test_support::synth_once(shape, quant, 11);
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
