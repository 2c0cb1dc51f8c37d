import { createReferenceContext, getCpuLlama, loadCpuModel, vocabularySize } from "../../reference/llama_common.mjs";
const [modelPath, tokStr, kv, mode] = process.argv.slice(2);
const tokens = tokStr.split(",").map(Number);
const { llama } = await getCpuLlama({ quiet: true });
const model = await loadCpuModel(llama, modelPath);
const nVocab = vocabularySize(model);
const { context } = await createReferenceContext(model, { nTokens: mode === "single" ? 1 : tokens.length, kv });
const seq = context.getSequence();
const logprobs = [];
const push = (probs) => { const row = new Array(nVocab); for (const [t, p] of probs) row[t] = Math.log(p); logprobs.push(row); };
if (mode === "single") {
  for (const t of tokens) { const r = await seq.controlledEvaluate([[t, { generateNext: { probabilities: true } }]]); push(r[0].next.probabilities); }
} else {
  const r = await seq.controlledEvaluate(tokens.map((t) => [t, { generateNext: { probabilities: true } }]));
  for (const x of r) push(x.next.probabilities);
}
process.stdout.write(JSON.stringify({ tokens, logprobs }));
process.exit(0);
