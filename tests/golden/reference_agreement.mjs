#!/usr/bin/env node
// Golden model vs llama.cpp (node-llama-cpp 3.21.1, CPU, flash attention off) on one model, for
// each KV cache type:
//  0. the ggml CPU variant llama.cpp loads on this machine (its "load_backend: loaded CPU
//     backend from ...libggml-cpu-<variant>.so" line) picks golden's --numerics profile:
//     haswell or zen4 (include/etchsim/numerics/profile.hpp); any other variant fails the test;
//  1. `etchsim golden --tokens P -n STEPS --ignore-eos --kv KV --numerics V --json` -> golden's
//     greedy continuation G;
//  2. `etchsim golden --tokens P+G --logprobs --json --kv KV --numerics V` -> golden's
//     teacher-forced log-probabilities over every position and the whole vocabulary;
//  3. llama.cpp's teacher-forced log-probabilities of P+G with the same KV type, one llama_decode
//     per token (--eval token, the default: n = 1 in every matmul, as golden evaluates; see
//     include/etchsim/golden/golden_model.hpp), or the whole sequence as one batch (--eval batch,
//     as tests/reference/logprobs.mjs does; llama.cpp's batched kernels round differently);
//  4. max |difference| over every position and token <= --tol, and at every generation step
//     llama.cpp's most likely token is golden's greedy token wherever llama.cpp's top-2 margin
//     exceeds --margin. Teacher forcing on G makes this the same check as llama.cpp's own greedy
//     decoding: it produces G step by step exactly when every step's argmax is G's token.
//
//   node reference_agreement.mjs MODEL.gguf --etchsim PATH [--kv f32,f16] [--eval token|batch]
//        [--prompt-count 32] [--steps 32] [--tol 1e-4] [--margin 1e-3]
//        [--lora ADAPTER.gguf [--lora-scale S]]
//
// --lora: both sides apply the LoRA adapter: `etchsim golden --lora A
// --lora-scale S` and node-llama-cpp's context option lora: {adapters: [{filePath, scale}]}.
//
// Prints one JSON line per KV type {"model", "kv", "numerics", "positions", "n_vocab", "max_abs_diff", "at",
// "greedy_steps", "greedy_checked", "ok"} and exits 1 if any check fails.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { parseArgs } from "node:util";

import {
  checkFlashAttentionOff,
  cpuBackendVariant,
  createReferenceContext,
  die,
  getCpuLlama,
  loadCpuModel,
  teacherForcedLogprobs,
  vocabularySize,
} from "../reference/llama_common.mjs";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    etchsim: { type: "string" },
    kv: { type: "string", default: "f32,f16" },
    eval: { type: "string", default: "token" },
    "prompt-count": { type: "string", default: "32" },
    steps: { type: "string", default: "32" },
    tol: { type: "string", default: "1e-4" },
    margin: { type: "string", default: "1e-3" },
    lora: { type: "string" },
    "lora-scale": { type: "string", default: "1" },
  },
});
if (positionals.length !== 1 || values.etchsim == null)
  die("usage: node reference_agreement.mjs MODEL.gguf --etchsim PATH [--kv f32,f16] [--steps 32]");
const modelPath = path.resolve(positionals[0]);
const kvTypes = values.kv.split(",");
const promptCount = Number.parseInt(values["prompt-count"], 10);
const steps = Number.parseInt(values.steps, 10);
const tol = Number(values.tol);
const margin = Number(values.margin);
const lora = values.lora != null ? { filePath: path.resolve(values.lora), scale: Number(values["lora-scale"]) } : undefined;
if (lora != null && !Number.isFinite(lora.scale)) die(`--lora-scale must be a number, not '${values["lora-scale"]}'`);
const loraArgs = lora != null ? ["--lora", lora.filePath, "--lora-scale", `${lora.scale}`] : [];
if (values.eval !== "token" && values.eval !== "batch") die(`--eval must be token or batch, not '${values.eval}'`);

// Distinct ids spread over the vocabulary (a stride coprime to n_vocab), as logprobs.mjs does.
function spreadPrompt(nVocab, count) {
  const gcd = (a, b) => (b === 0 ? a : gcd(b, a % b));
  let stride = Math.floor(nVocab * 0.618) | 1;
  while (gcd(stride, nVocab) !== 1) stride += 2;
  return Array.from({ length: Math.min(count, nVocab) }, (_, i) => (7 + i * stride) % nVocab);
}

// The CPU variants etchsim's numerics emulate (`etchsim golden --numerics`).
const MODELLED_VARIANTS = ["haswell", "zen4"];

function golden(args) {
  const out = execFileSync(values.etchsim, ["golden", modelPath, ...args, ...loraArgs, "--numerics", profile, "--json"], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return JSON.parse(out);
}

// llama.cpp's log-probabilities after each token, one llama_decode per token.
async function tokenByTokenLogprobs(context, tokens) {
  const sequence = context.getSequence();
  const logprobs = [];
  for (const [i, token] of tokens.entries()) {
    const [result] = await sequence.controlledEvaluate([[token, { generateNext: { probabilities: true } }]]);
    const probs = result?.next?.probabilities;
    if (probs == null || probs.size !== nVocab) throw new Error(`position ${i}: no full probability row`);
    const row = new Array(nVocab).fill(null);
    let sum = 0;
    for (const [t, p] of probs) {
      sum += p;
      row[t] = p > 0 ? Math.log(p) : -1e300; // underflowed f32 probability
    }
    if (row.some((v) => v === null) || Math.abs(sum - 1) > 1e-4) throw new Error(`position ${i}: not a probability row`);
    logprobs.push(row);
  }
  sequence.dispose();
  return logprobs;
}

const topTwo = (row) => {
  let best = 0;
  let second = -1;
  for (let v = 1; v < row.length; v++) {
    if (row[v] > row[best]) {
      second = best;
      best = v;
    } else if (second < 0 || row[v] > row[second]) second = v;
  }
  return { best, margin: row[best] - row[second] };
};

// Debug level: llama.cpp logs the CPU backend it loaded only there.
const { llama, logLines } = await getCpuLlama({ quiet: true, logLevel: "debug" });
const model = await loadCpuModel(llama, modelPath);
const profile = await cpuBackendVariant(logLines);
if (!MODELLED_VARIANTS.includes(profile))
  die(`llama.cpp loaded libggml-cpu-${profile}.so; etchsim models only ${MODELLED_VARIANTS.join(", ")}`);
const nVocab = vocabularySize(model);
const prompt = spreadPrompt(nVocab, promptCount);

let allOk = true;
for (const kv of kvTypes) {
  const generated = golden(["--tokens", prompt.join(","), "-n", `${steps}`, "--ignore-eos", "--kv", kv]).generated;
  const tokens = [...prompt, ...generated];
  const ours = golden(["--tokens", tokens.join(","), "--logprobs", "--kv", kv]);

  const batch = values.eval === "batch";
  // One thread: results do not depend on it (docs/formats.md §4.1), and ggml's spinning workers
  // crawl on a loaded CI machine.
  const { context } = await createReferenceContext(model, { nTokens: batch ? tokens.length : 1, kv, threads: 1, lora });
  await checkFlashAttentionOff(logLines);
  const theirs = batch
    ? (await teacherForcedLogprobs(context, tokens, nVocab)).logprobs
    : await tokenByTokenLogprobs(context, tokens);
  await context.dispose();

  let maxDiff = 0;
  let at = null;
  for (let i = 0; i < tokens.length; i++) {
    for (let v = 0; v < nVocab; v++) {
      const d = Math.abs(ours.logprobs[i][v] - theirs[i][v]);
      if (!(d <= maxDiff)) {
        maxDiff = Number.isNaN(d) ? Infinity : d;
        at = { position: i, token: v, golden: ours.logprobs[i][v], llama: theirs[i][v] };
      }
    }
  }
  // Step j predicts generated[j] from the logits after position prompt.length - 1 + j.
  let checked = 0;
  const mismatches = [];
  for (let j = 0; j < generated.length; j++) {
    const { best, margin: m } = topTwo(theirs[prompt.length - 1 + j]);
    if (m <= margin) continue;
    checked++;
    if (best !== generated[j]) mismatches.push({ step: j, golden: generated[j], llama: best, margin: m });
  }
  const ok = maxDiff <= tol && generated.length === steps && mismatches.length === 0;
  allOk &&= ok;
  const report = {
    model: path.basename(modelPath),
    lora: lora != null ? { file: path.basename(lora.filePath), scale: lora.scale } : null,
    kv,
    numerics: profile,
    eval: values.eval,
    positions: tokens.length,
    n_vocab: nVocab,
    max_abs_diff: maxDiff,
    at,
    greedy_steps: generated.length,
    greedy_checked: checked,
    greedy_mismatches: mismatches,
    tol,
    ok,
  };
  process.stdout.write(JSON.stringify(report) + "\n");
}
await model.dispose();
await llama.dispose();
if (!allOk) die("golden and llama.cpp disagree (see the report lines above)");
