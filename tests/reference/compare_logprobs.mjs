#!/usr/bin/env node
// Compares two teacher-forced log-probability JSONs (logprobs.mjs / dequant_probe format:
// {"tokens": [...], "logprobs": [[n_vocab], ...]}).
//
//   node compare_logprobs.mjs A.json B.json [--tol 1e-4]
//
// Prints one JSON line {"max_abs_diff", "at": {position, token}, "argmax_agree", ...} and exits 1
// when the token lists or shapes differ or the max abs difference exceeds --tol.
import fs from "node:fs";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { tol: { type: "string", default: "1e-4" } },
});
if (positionals.length !== 2) {
  process.stderr.write("usage: node compare_logprobs.mjs A.json B.json [--tol 1e-4]\n");
  process.exit(1);
}
const tol = Number(values.tol);
const [a, b] = positionals.map((p) => JSON.parse(fs.readFileSync(p, "utf8")));
const fail = (msg) => {
  process.stderr.write(`compare_logprobs: ${msg}\n`);
  process.exit(1);
};
if (JSON.stringify(a.tokens) !== JSON.stringify(b.tokens))
  fail(`token lists differ:\n  ${positionals[0]}: ${JSON.stringify(a.tokens)}\n  ${positionals[1]}: ${JSON.stringify(b.tokens)}`);
if (a.logprobs.length !== a.tokens.length || b.logprobs.length !== b.tokens.length)
  fail("logprobs must have one row per token");

const argmax = (row) => row.reduce((best, v, i) => (v > row[best] ? i : best), 0);
let maxDiff = 0;
let at = null;
let argmaxAgree = 0;
let sumDiff = 0;
let count = 0;
for (let i = 0; i < a.tokens.length; i++) {
  const ra = a.logprobs[i];
  const rb = b.logprobs[i];
  if (ra.length !== rb.length) fail(`position ${i}: vocabulary sizes differ (${ra.length} vs ${rb.length})`);
  for (let v = 0; v < ra.length; v++) {
    const d = Math.abs(ra[v] - rb[v]);
    if (!(d <= maxDiff)) {
      maxDiff = Number.isNaN(d) ? Infinity : d;
      at = { position: i, token: v, a: ra[v], b: rb[v] };
    }
    sumDiff += d;
    count++;
  }
  if (argmax(ra) === argmax(rb)) argmaxAgree++;
}
const report = {
  a: positionals[0],
  b: positionals[1],
  positions: a.tokens.length,
  n_vocab: a.logprobs[0]?.length ?? 0,
  max_abs_diff: maxDiff,
  mean_abs_diff: count > 0 ? sumDiff / count : 0,
  at,
  argmax_agree: `${argmaxAgree}/${a.tokens.length}`,
  tol,
  ok: maxDiff <= tol,
};
process.stdout.write(JSON.stringify(report) + "\n");
if (!report.ok) fail(`max abs log-prob difference ${maxDiff} exceeds ${tol} (at ${JSON.stringify(at)})`);
