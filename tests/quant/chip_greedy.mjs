#!/usr/bin/env node
// The chip's greedy tokens on a real quantized model against llama.cpp (node-llama-cpp 3.21.1,
// CPU, flash attention off), token by token:
//  1. `etchsim golden MODEL --prompt TEXT -n 0 --json` tokenizes the prompt (BOS first);
//  2. `etchsim run MODEL --tokens P -n STEPS --numerics V --report R.json` runs the chip
//     (functional mode; V is the CPU variant llama.cpp loaded, as reference_agreement.mjs picks
//     it) and gives its generated tokens G;
//  3. llama.cpp evaluates P + G one token per llama_decode; at every generation step its most
//     likely token must be the chip's (teacher forcing on G is llama.cpp's own greedy decoding
//     as long as every step agrees), except where llama.cpp's top-2 margin is below --margin.
//   node chip_greedy.mjs MODEL.gguf --etchsim PATH [--prompt TEXT] [--steps 32] [--margin 1e-3]
//        [--set key=value]...
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

import {
  checkFlashAttentionOff,
  cpuBackendVariant,
  createReferenceContext,
  die,
  getCpuLlama,
  loadCpuModel,
  vocabularySize,
} from "../reference/llama_common.mjs";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    etchsim: { type: "string" },
    prompt: { type: "string", default: "Once upon a time" },
    steps: { type: "string", default: "32" },
    margin: { type: "string", default: "1e-3" },
    set: { type: "string", multiple: true, default: [] },
  },
});
if (positionals.length !== 1 || values.etchsim == null)
  die("usage: node chip_greedy.mjs MODEL.gguf --etchsim PATH [--steps 32]");
const modelPath = path.resolve(positionals[0]);
const steps = Number.parseInt(values.steps, 10);
const margin = Number(values.margin);
const etchsim = (args) =>
  execFileSync(values.etchsim, args, { encoding: "utf8", maxBuffer: 1 << 28, stdio: ["ignore", "pipe", "inherit"] });

const { llama, logLines } = await getCpuLlama({ quiet: true, logLevel: "debug" });
const model = await loadCpuModel(llama, modelPath);
const variant = await cpuBackendVariant(logLines);
if (!["haswell", "zen4"].includes(variant)) die(`llama.cpp loaded libggml-cpu-${variant}.so: not modelled`);
const nVocab = vocabularySize(model);

const prompt = JSON.parse(etchsim(["golden", modelPath, "--prompt", values.prompt, "-n", "0", "--json"])).tokens;
const dir = mkdtempSync(path.join(tmpdir(), "etchsim-chip-greedy-"));
let generated;
try {
  const report = path.join(dir, "report.json");
  etchsim(["run", modelPath, "--tokens", prompt.join(","), "-n", `${steps}`, "--numerics", variant,
    "--report", report, ...values.set.flatMap((s) => ["--set", s])]);
  generated = JSON.parse(readFileSync(report, "utf8")).users[0].token_ids;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (!Array.isArray(generated) || generated.length === 0) die("the chip generated no tokens");

const tokens = [...prompt, ...generated];
const { context } = await createReferenceContext(model, { nTokens: 1, kv: "f16", contextSize: 256, threads: 1 });
await checkFlashAttentionOff(logLines);
const sequence = context.getSequence();
let checked = 0;
const mismatches = [];
for (let i = 0; i < tokens.length - 1; i++) {
  const [result] = await sequence.controlledEvaluate([[tokens[i], { generateNext: { probabilities: true } }]]);
  if (i < prompt.length - 1) continue;
  const probs = result?.next?.probabilities;
  if (probs == null || probs.size !== nVocab) die(`position ${i}: no full probability row`);
  let best = -1, second = -1;
  for (const [t, p] of probs) {
    if (best < 0 || p > probs.get(best)) { second = best; best = t; }
    else if (second < 0 || p > probs.get(second)) second = t;
  }
  const gap = Math.log(probs.get(best)) - Math.log(probs.get(second));
  const want = tokens[i + 1];
  if (gap < margin) continue;
  checked++;
  if (best !== want) mismatches.push({ step: i + 1 - prompt.length, chip: want, llama: best, gap });
}
const ok = mismatches.length === 0 && checked >= Math.ceil(generated.length * 0.8);
console.log(JSON.stringify({ model: modelPath, numerics: variant, prompt: prompt.length,
  generated: generated.length, checked, mismatches, ok, chip_tokens: generated }));
process.exit(ok ? 0 : 1);
