// etchsim's tokenizer on a list of strings, in the JSON layout of tests/reference/tokenize.mjs,
// or compared with that script's output (llama.cpp through node-llama-cpp).
//
//   tokenize_dump MODEL.gguf STRINGS.json                 prints etchsim's JSON
//   tokenize_dump MODEL.gguf STRINGS.json --expect L.json compares; exit 1 on any mismatch
//
// Per string: tokens = encode(text, add_special=false, parse_special=false), tokens_special =
// the same with parse_special, text / text_special = decode of llama.cpp's token lists (so decode
// is checked independently of encode). Also the special ids and every token decoded alone.
#include <fmt/format.h>

#include <cstdint>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "etchsim/gguf/reader.hpp"
#include "etchsim/model/tokenizer.hpp"

namespace {

using etchsim::model::Tokenizer;
using nlohmann::json;

json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  return json::parse(in);
}

// Node receives decoded text through V8, which replaces each maximal ill-formed UTF-8 subpart
// with one U+FFFD (WHATWG decoding); etchsim's bytes go through the same rule before comparing.
std::string as_js_string(const std::string& bytes) {
  auto at = [&](size_t i) { return static_cast<uint8_t>(bytes[i]); };
  std::string out;
  for (size_t i = 0; i < bytes.size();) {
    const uint8_t lead = at(i);
    if (lead < 0x80) {
      out.push_back(bytes[i++]);
      continue;
    }
    // Continuation bytes a lead needs, and the range of its first one (RFC 3629 table 3-7).
    const size_t need = lead >= 0xC2 && lead <= 0xDF   ? 1
                        : lead >= 0xE0 && lead <= 0xEF ? 2
                        : lead >= 0xF0 && lead <= 0xF4 ? 3
                                                       : 0;
    const uint8_t lo = lead == 0xE0 ? 0xA0 : lead == 0xF0 ? 0x90 : 0x80;
    const uint8_t hi = lead == 0xED ? 0x9F : lead == 0xF4 ? 0x8F : 0xBF;
    size_t got = 0;
    while (got < need && i + 1 + got < bytes.size()) {
      const uint8_t b = at(i + 1 + got);
      if (b < (got == 0 ? lo : 0x80) || b > (got == 0 ? hi : 0xBF)) break;
      ++got;
    }
    if (need > 0 && got == need) {
      out.append(bytes, i, need + 1);
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD for the maximal subpart
    }
    i += 1 + got;
  }
  return out;
}

std::string decoded(const Tokenizer& tok, const std::vector<int32_t>& ids, bool special) {
  return as_js_string(tok.decode(ids, special));
}

json vocab_json(const Tokenizer& tok) {
  std::vector<int32_t> eog;
  for (int32_t id = 0; id < tok.n_vocab(); ++id) {
    if (tok.is_eog(id)) eog.push_back(id);
  }
  return {{"type", tok.type() == etchsim::model::VocabType::Bpe ? "bpe" : "spm"},
          {"n_vocab", tok.n_vocab()},
          {"bos", tok.bos()},
          {"eos", tok.eos()},
          {"eot", tok.eot()},
          {"add_bos", tok.add_bos()},
          {"eog", eog}};
}

json dump(const Tokenizer& tok, const json& strings) {
  json pieces = json::array(), pieces_special = json::array(), results = json::array();
  for (int32_t id = 0; id < tok.n_vocab(); ++id) {
    pieces.push_back(decoded(tok, {id}, false));
    pieces_special.push_back(decoded(tok, {id}, true));
  }
  for (const auto& s : strings) {
    const std::string text = s.get<std::string>();
    const std::vector<int32_t> tokens = tok.encode(text, false, false);
    const std::vector<int32_t> tokens_special = tok.encode(text, false, true);
    results.push_back({{"text_in", text},
                       {"tokens", tokens},
                       {"tokens_special", tokens_special},
                       {"text", decoded(tok, tokens, false)},
                       {"text_special", decoded(tok, tokens_special, true)}});
  }
  return {{"vocab", vocab_json(tok)},
          {"pieces", pieces},
          {"pieces_special", pieces_special},
          {"results", results}};
}

struct Tally {
  int mismatches = 0;
  int shown = 0;
  void report(const std::string& what, const json& expected, const json& got) {
    ++mismatches;
    if (shown++ < 20) {
      std::cout << fmt::format("MISMATCH {}\n  llama.cpp: {}\n  etchsim:   {}\n", what,
                               expected.dump(-1, ' ', false, json::error_handler_t::replace),
                               got.dump(-1, ' ', false, json::error_handler_t::replace));
    }
  }
};

int compare(const Tokenizer& tok, const json& strings, const json& expect) {
  Tally tally;
  const json vocab = vocab_json(tok);
  for (const auto& [key, value] : vocab.items()) {
    if (expect["vocab"][key] != value) tally.report("vocab." + key, expect["vocab"][key], value);
  }
  int piece_mismatches = 0;
  for (int32_t id = 0; id < tok.n_vocab(); ++id) {
    for (const bool special : {false, true}) {
      const json& want = expect[special ? "pieces_special" : "pieces"][id];
      const std::string got = decoded(tok, {id}, special);
      if (want != got) {
        ++piece_mismatches;
        tally.report(fmt::format("piece of token {} (special={})", id, special), want, got);
      }
    }
  }
  const json& results = expect["results"];
  if (results.size() != strings.size()) throw std::runtime_error("expectation has another count");
  int token_mismatches = 0, special_mismatches = 0, text_mismatches = 0;
  for (size_t i = 0; i < strings.size(); ++i) {
    const std::string text = strings[i].get<std::string>();
    const json& r = results[i];
    const json label = text;
    const auto tokens = tok.encode(text, false, false);
    if (r["tokens"] != json(tokens)) {
      ++token_mismatches;
      tally.report(fmt::format("tokens of string {} {}", i, label.dump()), r["tokens"], tokens);
    }
    const auto tokens_special = tok.encode(text, false, true);
    if (r["tokens_special"] != json(tokens_special)) {
      ++special_mismatches;
      tally.report(fmt::format("tokens_special of string {} {}", i, label.dump()),
                   r["tokens_special"], tokens_special);
    }
    for (const bool special : {false, true}) {
      const auto ids = r[special ? "tokens_special" : "tokens"].get<std::vector<int32_t>>();
      const std::string got = decoded(tok, ids, special);
      if (r[special ? "text_special" : "text"] != got) {
        ++text_mismatches;
        tally.report(fmt::format("decode of string {} {} (special={})", i, label.dump(), special),
                     r[special ? "text_special" : "text"], got);
      }
    }
  }
  std::cout << fmt::format(
      "{} vocab, {} tokens: {} strings; mismatches: tokens {}, tokens_special {}, decode {}, "
      "pieces {}; total {}\n",
      vocab["type"].get<std::string>(), tok.n_vocab(), strings.size(), token_mismatches,
      special_mismatches, text_mismatches, piece_mismatches, tally.mismatches);
  return tally.mismatches == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc != 3 && !(argc == 5 && std::string(argv[3]) == "--expect")) {
      std::cerr << "usage: tokenize_dump MODEL.gguf STRINGS.json [--expect LLAMA.json]\n";
      return 2;
    }
    const auto file = etchsim::gguf::GgufFile::open(argv[1]);
    const Tokenizer tok = Tokenizer::from_gguf(file);
    const json strings = read_json(argv[2]);
    if (argc == 5) return compare(tok, strings, read_json(argv[4]));
    std::cout << dump(tok, strings).dump(1, ' ', false, json::error_handler_t::replace) << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "tokenize_dump: " << e.what() << "\n";
    return 2;
  }
}
