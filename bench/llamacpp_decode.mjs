#!/usr/bin/env node
// llama.cpp (node-llama-cpp 3.21.1, CPU) decode speed, the counterpart of `etchsim golden -n`:
// the prompt in one batch, then one llama_decode per greedy token. Used by golden_vs_llamacpp.sh.
//
//   node llamacpp_decode.mjs MODEL.gguf --tokens 1,2,3 --steps N --threads T
//
// Prints one JSON line {"decoded", "seconds", "tokens_per_s", "generated"} on stdout.
import { parseArgs } from "node:util";

import { createReferenceContext, die, getCpuLlama, loadCpuModel } from "../tests/reference/llama_common.mjs";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { tokens: { type: "string" }, steps: { type: "string" }, threads: { type: "string" } },
});
if (positionals.length !== 1 || values.tokens == null || values.steps == null || values.threads == null)
  die("usage: node llamacpp_decode.mjs MODEL.gguf --tokens 1,2,3 --steps N --threads T");
const prompt = values.tokens.split(",").map(Number);
const steps = Number.parseInt(values.steps, 10);

const { llama } = await getCpuLlama({ quiet: true });
const model = await loadCpuModel(llama, positionals[0]);
const { context } = await createReferenceContext(model, {
  nTokens: prompt.length,
  kv: "f16",
  threads: Number.parseInt(values.threads, 10),
});
const sequence = context.getSequence();
const next = async (tokens) => {
  const results = await sequence.controlledEvaluate(
    tokens.map((t, i) => (i === tokens.length - 1 ? [t, { generateNext: { token: true } }] : t)));
  return results[tokens.length - 1].next.token;
};
const generated = [await next(prompt)];
const start = process.hrtime.bigint();
while (generated.length < steps) generated.push(await next([generated[generated.length - 1]]));
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const decoded = steps - 1;
process.stdout.write(JSON.stringify({ decoded, seconds, tokens_per_s: decoded / seconds, generated }) + "\n");
await context.dispose();
await model.dispose();
await llama.dispose();
