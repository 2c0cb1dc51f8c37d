#!/usr/bin/env node
// Teacher-forced log-probabilities from llama.cpp (node-llama-cpp 3.21.1, CPU): the oracle that
// etchsim's forward pass is compared with.
//
//   node logprobs.mjs MODEL.gguf [--tokens 1,2,3 | --tokens-json FILE] [--count N]
//                    [--kv f32|f16] [--ctx N] [--threads N] [--out FILE] [--quiet]
//                    [--lora ADAPTER.gguf [--lora-scale S]]
//
// Output JSON (stdout, or --out): {"model", "tokens", "n_vocab", "kv", "context", "logprobs"}
// where logprobs[i][v] = log P(v | tokens[0..i]) over the WHOLE vocabulary. Without --tokens the
// prompt is default_prompt(n_vocab, count): distinct ids spread over the vocabulary.
// llama.cpp logs go to stderr. The whole prompt is one batch (docs/formats.md §5.4), flash
// attention is off (§8 item 16) and the KV cache is F32 unless --kv f16. --lora applies a LoRA
// adapter GGUF with llama.cpp's scale S (default 1; §7) through the context option `lora`.
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

import {
  checkFlashAttentionOff,
  createReferenceContext,
  die,
  getCpuLlama,
  kProbSumTolerance,
  loadCpuModel,
  teacherForcedLogprobs,
  vocabularySize,
} from "./llama_common.mjs";

// `count` ids stepping through the vocabulary with a stride coprime to n_vocab, so consecutive
// positions use unrelated embedding rows (and many different blocks of a quantised token_embd).
export function defaultPrompt(nVocab, count) {
  const gcd = (a, b) => (b === 0 ? a : gcd(b, a % b));
  let stride = Math.floor(nVocab * 0.618) | 1;
  while (gcd(stride, nVocab) !== 1) stride += 2;
  return Array.from({ length: Math.min(count, nVocab) }, (_, i) => (7 + i * stride) % nVocab);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    tokens: { type: "string" },
    "tokens-json": { type: "string" },
    count: { type: "string", default: "32" },
    kv: { type: "string", default: "f32" },
    ctx: { type: "string" },
    threads: { type: "string" },
    out: { type: "string" },
    quiet: { type: "boolean", default: false },
    lora: { type: "string" },
    "lora-scale": { type: "string", default: "1" },
  },
});
if (positionals.length !== 1) die("usage: node logprobs.mjs MODEL.gguf [--tokens 1,2,3 | --tokens-json FILE] [--kv f32|f16] [--out FILE]");
if (values.kv !== "f32" && values.kv !== "f16") die(`--kv must be f32 or f16, not '${values.kv}'`);
const modelPath = path.resolve(positionals[0]);
if (!fs.existsSync(modelPath)) die(`no such model file: ${modelPath}`);
const lora = values.lora != null ? { filePath: path.resolve(values.lora), scale: Number(values["lora-scale"]) } : undefined;
if (lora != null && !fs.existsSync(lora.filePath)) die(`no such LoRA adapter file: ${lora.filePath}`);
if (lora != null && !Number.isFinite(lora.scale)) die(`--lora-scale must be a number, not '${values["lora-scale"]}'`);

const { llama, logLines } = await getCpuLlama({ quiet: values.quiet });
const model = await loadCpuModel(llama, modelPath);
const nVocab = vocabularySize(model);

let tokens;
if (values.tokens != null) tokens = values.tokens.split(",").map((t) => Number.parseInt(t.trim(), 10));
else if (values["tokens-json"] != null) tokens = JSON.parse(fs.readFileSync(values["tokens-json"], "utf8")).tokens;
else tokens = defaultPrompt(nVocab, Number.parseInt(values.count, 10));
if (!Array.isArray(tokens) || tokens.length === 0 || tokens.some((t) => !Number.isInteger(t) || t < 0 || t >= nVocab))
  die(`bad token list (need integers in [0, ${nVocab})): ${JSON.stringify(tokens)}`);

const { context, settings } = await createReferenceContext(model, {
  nTokens: tokens.length,
  kv: values.kv,
  contextSize: values.ctx != null ? Number.parseInt(values.ctx, 10) : undefined,
  threads: values.threads != null ? Number.parseInt(values.threads, 10) : undefined,
  lora,
});
await checkFlashAttentionOff(logLines);
const { logprobs, probSums } = await teacherForcedLogprobs(context, tokens, nVocab);
// The probabilities are a plain softmax over the whole vocabulary: they must sum to 1.
const worstSum = Math.max(...probSums.map((s) => Math.abs(s - 1)));
if (worstSum > kProbSumTolerance) die(`probabilities do not sum to 1 (worst |sum-1| = ${worstSum}): sampling transforms applied?`);
process.stderr.write(`logprobs: ${path.basename(modelPath)}: ${tokens.length} positions x ${nVocab} tokens, kv ${values.kv}, max |sum p - 1| = ${worstSum.toExponential(2)}\n`);

const result = {
  model: modelPath,
  source: "llama.cpp via node-llama-cpp 3.21.1 (CPU, flash attention off)",
  kv: values.kv,
  lora: lora ?? null,
  context: settings,
  llama: { build_type: llama.buildType, release: llama.llamaCppRelease, system_info: llama.systemInfo },
  n_vocab: nVocab,
  tokens,
  logprobs,
};
const text = JSON.stringify(result) + "\n";
if (values.out != null) fs.writeFileSync(values.out, text);
else process.stdout.write(text);
await context.dispose();
await model.dispose();
await llama.dispose();
