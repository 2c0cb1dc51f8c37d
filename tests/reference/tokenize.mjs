// llama.cpp's tokenizer on a list of strings: the oracle for etchsim's model::Tokenizer
// (tests/model/tokenizer_reference.cmake compares it with tests/model/tools/tokenize_dump).
//
//   node tokenize.mjs [--quiet] MODEL.gguf STRINGS.json [--out OUT.json]
//
// STRINGS.json is a JSON array of strings. For each string the output holds
//   tokens:         model.tokenize(text)        = common_tokenize(vocab, text, add_special=false,
//                                                 parse_special=false) (node-llama-cpp 3.21.1,
//                                                 llama/addon/AddonModel.cpp Tokenize);
//                                                 "" gives [] without calling llama.cpp
//   tokens_special: model.tokenize(text, true)  = the same with parse_special=true
//   text:           model.detokenize(tokens)    = llama_detokenize(remove_special=false,
//                                                 unparse_special=false)
//   text_special:   model.detokenize(tokens_special, true)  (unparse_special=true)
// "vocab" holds the special ids, add-BOS and the end-of-generation ids llama.cpp reports, and
// "pieces"/"pieces_special" the detokenization of every token id alone.
// Neither tokenize call adds BOS/EOS: node-llama-cpp prepends BOS itself when it evaluates.
import fs from "node:fs";
import { die, getCpuLlama, loadCpuModel } from "./llama_common.mjs";

function parseArgs(argv) {
  const args = { quiet: false, positional: [], out: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--quiet") args.quiet = true;
    else if (argv[i] === "--out") args.out = argv[++i];
    else args.positional.push(argv[i]);
  }
  if (args.positional.length !== 2) die("usage: node tokenize.mjs [--quiet] MODEL.gguf STRINGS.json [--out OUT.json]");
  return args;
}

const args = parseArgs(process.argv.slice(2));
const [modelPath, stringsPath] = args.positional;
const strings = JSON.parse(fs.readFileSync(stringsPath, "utf8"));
if (!Array.isArray(strings) || strings.some((s) => typeof s !== "string"))
  die(`${stringsPath}: expected a JSON array of strings`);

const { llama } = await getCpuLlama({ quiet: args.quiet, logLevel: "warn" });
const model = await loadCpuModel(llama, modelPath);

const nVocab = Number(model.fileInfo.metadata?.tokenizer?.ggml?.tokens?.length ?? 0);
const eog = [];
for (let token = 0; token < nVocab; token++) if (model.isEogToken(token)) eog.push(token);

const results = strings.map((text) => {
  const tokens = model.tokenize(text);
  const tokensSpecial = model.tokenize(text, true);
  return {
    text_in: text,
    tokens,
    tokens_special: tokensSpecial,
    text: model.detokenize(tokens),
    text_special: model.detokenize(tokensSpecial, true),
  };
});

// Every token alone through llama_detokenize: its piece (token_to_piece, with the SPM leading
// space stripped as for any first token) without and with unparse_special.
const pieces = [];
const piecesSpecial = [];
for (let token = 0; token < nVocab; token++) {
  pieces.push(model.detokenize([token]));
  piecesSpecial.push(model.detokenize([token], true));
}

const output = {
  vocab: {
    type: model.vocabularyType,
    n_vocab: nVocab,
    bos: model.tokens.bos ?? -1,
    eos: model.tokens.eos ?? -1,
    eot: model.tokens.eot ?? -1,
    add_bos: model.tokens.shouldPrependBosToken,
    eog,
  },
  pieces,
  pieces_special: piecesSpecial,
  results,
};
const json = JSON.stringify(output, null, 1);
if (args.out) fs.writeFileSync(args.out, json);
else process.stdout.write(`${json}\n`);
await model.dispose();
await llama.dispose();
