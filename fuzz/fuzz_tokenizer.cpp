// libFuzzer harness: tokenizer encode and decode on a synthesized GPT-2 BPE and a SentencePiece
// vocabulary (built once, in memory). Input byte 0 picks the vocabulary and the flags; the rest
// is text to encode, and the same bytes read as token ids to decode. Encoding must give ids in
// the vocabulary, and decoding what was encoded must not fail.
#include <cstring>
#include <memory>
#include <string_view>

#include "etchsim/gguf/writer.hpp"
#include "etchsim/model/synth_vocab.hpp"
#include "etchsim/model/tokenizer.hpp"
#include "fuzz_support.hpp"

namespace {

struct Vocab {
  std::vector<std::byte> bytes;
  std::unique_ptr<etchsim::gguf::GgufFile> file;
  std::unique_ptr<etchsim::model::Tokenizer> tokenizer;
  uint32_t n_vocab = 512;
};

std::unique_ptr<Vocab> make_vocab(etchsim::model::VocabKind kind) {
  using namespace etchsim;
  auto v = std::make_unique<Vocab>();
  gguf::GgufWriter writer;
  writer.set("general.architecture", "llama");
  model::add_vocab_metadata(writer, model::make_synth_vocab(kind, v->n_vocab));
  v->bytes = writer.to_bytes();
  v->file = std::make_unique<gguf::GgufFile>(gguf::GgufFile::parse(v->bytes, "vocab.gguf"));
  v->tokenizer = std::make_unique<model::Tokenizer>(model::Tokenizer::from_gguf(*v->file));
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace etchsim;
  static const std::unique_ptr<Vocab> bpe = make_vocab(model::VocabKind::Gpt2Bpe);
  static const std::unique_ptr<Vocab> spm = make_vocab(model::VocabKind::SentencePiece);
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  const Vocab& vocab = (mode & 1) ? *spm : *bpe;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  fuzz::run_guarded([&] {
    const std::vector<int32_t> ids =
        vocab.tokenizer->encode(text, (mode & 2) != 0, (mode & 4) != 0);
    for (const int32_t id : ids) {
      if (id < 0 || static_cast<uint32_t>(id) >= vocab.n_vocab) std::abort();
    }
    (void)vocab.tokenizer->decode(ids, (mode & 8) != 0);
  });
  fuzz::run_guarded([&] {
    std::vector<int32_t> ids((size - 1) / 4);
    if (!ids.empty()) std::memcpy(ids.data(), data + 1, ids.size() * 4);
    (void)vocab.tokenizer->decode(ids, (mode & 8) != 0);
  });
  return 0;
}
