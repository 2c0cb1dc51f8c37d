// `etchsim perplexity` against llama.cpp's llama-perplexity (built by scripts/llama-oracle.sh),
// token by token (-b 1 -ub 1, flash attention off, as golden evaluates): the perplexity within
// --tol relative, and with --base the mean KL divergence (llama.cpp prints 6 decimals) and the
// top-1 agreement (within one position).
// Usage: node perplexity_oracle.mjs ETCHSIM MODEL TEXT --ctx N --chunks K [--base BASE] [--tol T]
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const [etchsim, model, text, ...rest] = process.argv.slice(2);
const opt = { ctx: "128", chunks: "4", base: null, tol: "1e-4" };
for (let i = 0; i < rest.length; i += 2) opt[rest[i].replace(/^--/, "")] = rest[i + 1];
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = execFileSync(path.join(root, "scripts/llama-oracle.sh"), { encoding: "utf8" })
  .trim().split("\n").pop();
const tol = Number(opt.tol);
let failed = false;
const check = (what, ours, theirs, ok) => {
  console.log(`${what}: etchsim ${ours}, llama.cpp ${theirs} ${ok ? "ok" : "MISMATCH"}`);
  if (!ok) failed = true;
};

const grab = (out, re, what) => {
  const m = out.match(re);
  if (!m) throw new Error(`no ${what} in llama-perplexity's output:\n${out.slice(-3000)}`);
  return Number(m[1]);
};

const ours = JSON.parse(execFileSync(etchsim, ["perplexity", model, "--text", text, "--ctx",
  opt.ctx, "--chunks", opt.chunks, "--json", "--threads", "1", ...(opt.base ? ["--base", opt.base] : [])],
  { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }));

// llama-perplexity logs to stderr: both streams are read. Its logger is an asynchronous thread
// that is never joined at exit (common/log.cpp, llama.cpp issue 22142), so on a loaded machine
// the last lines can be lost (measured here: 4 runs in 10 under load 15): the run, which is
// deterministic, is repeated until `needed` is printed.
const both = (args, needed) => {
  let out = "";
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      out = execFileSync("sh", ["-c", '"$0" "$@" 2>&1', path.join(bin, "llama-perplexity"),
        "-f", text, "-c", opt.ctx, "--chunks", opt.chunks, "-b", "1", "-ub", "1", "-fa", "off",
        "-t", "1", "--no-warmup", ...args], { encoding: "utf8", maxBuffer: 1 << 26 });
    } catch (e) {
      throw new Error(`llama-perplexity failed:\n${e.stdout ?? e}`);
    }
    if (needed == null || needed.test(out)) return out;
    console.log(`llama-perplexity's output lacks ${needed} (its log thread lost the end): again`);
  }
  return out;
};

const pplOut = both(["-m", model], /Final estimate: PPL/);
const ppl = grab(pplOut, /Final estimate: PPL = ([0-9.]+)/, "final estimate");
const rel = Math.abs(ours.ppl.value - ppl) / ppl;
// llama-perplexity prints 4 decimals: allow that rounding beside the tolerance.
check(`PPL (${ours.chunks} chunks of ${ours.ctx}, ${ours.scored_tokens} scored)`,
  ours.ppl.value.toFixed(6), ppl.toFixed(4), rel <= tol || Math.abs(ours.ppl.value - ppl) <= 5e-5);

if (opt.base) {
  const dir = mkdtempSync(path.join(tmpdir(), "etchsim-kld-"));
  try {
    const logits = path.join(dir, "base.kld");
    both(["-m", opt.base, "--kl-divergence-base", logits], null);  // the file is what counts
    const kldOut = both(["-m", model, "--kl-divergence-base", logits, "--kl-divergence"],
      /Same top p:/);
    const kld = grab(kldOut, /Mean\s+KLD:\s+(-?[0-9.]+)/, "Mean KLD");
    const top = grab(kldOut, /Same top p:\s+([0-9.]+)/, "Same top p") / 100;
    const count = ours.scored_tokens;
    // The KL run prints its own PPL(Q) with 6 decimals (float NLLs, same positions).
    const pplQ = grab(kldOut, /Mean PPL\(Q\)\s+:\s+([0-9.]+)/, "Mean PPL(Q)");
    check("PPL (KL run, 6 decimals)", ours.ppl.value.toFixed(6), pplQ.toFixed(6),
      Math.abs(ours.ppl.value - pplQ) / pplQ <= tol);
    check("mean KLD", ours.kl.kld.value.toFixed(6), kld.toFixed(6),
      Math.abs(ours.kl.kld.value - kld) <= tol * Math.abs(kld) + 6e-7);
    check("same top", ours.kl.same_top.value.toFixed(5), top.toFixed(5),
      Math.abs(ours.kl.same_top.value - top) <= 1 / count + 1e-5);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
process.exit(failed ? 1 : 0);
