#!/usr/bin/env node
// Proves llama.cpp (node-llama-cpp 3.21.1, CPU) loads each GGUF and can run it.
//
//   node load_model.mjs MODEL.gguf [MODEL.gguf ...] [--kv f32|f16] [--quiet]
//
// For each file: load with gpuLayers 0, create an F32-KV context with flash attention off,
// teacher-force a few tokens and check every position's probabilities are finite and sum to 1.
// Prints one JSON line per file to stdout ({"file", "ok", "n_vocab", "tokens_evaluated", ...});
// llama.cpp logs go to stderr. Exits 1 if any file fails.
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

import {
  checkFlashAttentionOff,
  createReferenceContext,
  getCpuLlama,
  kProbSumTolerance,
  loadCpuModel,
  teacherForcedLogprobs,
  vocabularySize,
} from "./llama_common.mjs";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    kv: { type: "string", default: "f32" },
    quiet: { type: "boolean", default: false },
  },
});
if (positionals.length === 0) {
  process.stderr.write("usage: node load_model.mjs MODEL.gguf [MODEL.gguf ...]\n");
  process.exit(1);
}

const { llama, logLines } = await getCpuLlama({ quiet: values.quiet });
let failures = 0;
for (const file of positionals) {
  const modelPath = path.resolve(file);
  const report = { file: modelPath, ok: false };
  let model;
  let context;
  try {
    if (!fs.existsSync(modelPath)) throw new Error("no such file");
    model = await loadCpuModel(llama, modelPath);
    const nVocab = vocabularySize(model);
    report.n_vocab = nVocab;
    report.architecture = model.fileInfo.metadata?.general?.architecture;
    report.n_embd = model.embeddingVectorSize;
    // BOS-like id 1, then two ordinary ids from the middle and the end of the vocabulary.
    const tokens = [1 % nVocab, Math.floor(nVocab / 2), nVocab - 1];
    logLines.length = 0;
    ({ context } = await createReferenceContext(model, { nTokens: tokens.length, kv: values.kv }));
    await checkFlashAttentionOff(logLines);
    const { logprobs, probSums } = await teacherForcedLogprobs(context, tokens, nVocab);
    const worstSum = Math.max(...probSums.map((s) => Math.abs(s - 1)));
    if (!(worstSum < kProbSumTolerance)) throw new Error(`probabilities sum off by ${worstSum}`);
    if (logprobs.some((row) => row.some((v) => !Number.isFinite(v)))) throw new Error("non-finite log-probability");
    report.tokens_evaluated = tokens.length;
    report.max_abs_prob_sum_error = worstSum;
    report.ok = true;
  } catch (err) {
    report.error = String(err?.message ?? err);
    failures++;
  } finally {
    await context?.dispose();
    await model?.dispose();
  }
  process.stdout.write(JSON.stringify(report) + "\n");
}
await llama.dispose();
process.exit(failures === 0 ? 0 : 1);
