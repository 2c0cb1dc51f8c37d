// Shared by the libFuzzer harnesses (docs/fuzzing.md): the exception policy and a micro model.
//
// A harness accepts every error the code under test reports as designed (a std::exception with
// a message for the user) and turns the ones that mean a bug into a crash libFuzzer records:
// std::bad_alloc / std::length_error (an allocation sized by an unchecked count), and anything
// that is not a std::exception. Sanitizer findings (ASan, UBSan) and timeouts are crashes anyway.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <new>
#include <span>
#include <stdexcept>
#include <vector>

#include "etchsim/gguf/reader.hpp"
#include "etchsim/model/llama_shape.hpp"

namespace etchsim::fuzz {

template <typename Fn>
void run_guarded(Fn&& fn) {
  try {
    fn();
  } catch (const std::bad_alloc& e) {
    std::fprintf(stderr, "fuzz: allocation failure: %s\n", e.what());
    std::abort();
  } catch (const std::length_error& e) {
    std::fprintf(stderr, "fuzz: length error: %s\n", e.what());
    std::abort();
  } catch (const std::exception&) {
    // A reported error: the designed outcome for bad input.
  }
}

inline std::span<const std::byte> as_bytes(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const std::byte*>(data), size};
}

// The micro model the seeds and the LoRA harness use: one layer, n_embd 32, 2 heads over 1 KV
// head, n_ff 32, the smallest GPT-2 BPE vocabulary the synthesizer makes.
inline model::LlamaShape micro_shape() {
  return model::LlamaShape{.name = "micro",
                           .n_layer = 1,
                           .n_embd = 32,
                           .n_head = 2,
                           .n_head_kv = 1,
                           .n_ff = 32,
                           .n_vocab = 264,
                           .n_ctx = 8};
}

}  // namespace etchsim::fuzz
