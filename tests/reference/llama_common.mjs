// Shared set-up for the llama.cpp reference scripts (node-llama-cpp 3.21.1, CPU only).
//
// llama.cpp is the prebuilt binary shipped in @node-llama-cpp/linux-x64: getLlama is told never to
// build and never to download, so these scripts work offline. Every llama.cpp log line goes to
// stderr; stdout carries only the JSON results.
//
// Context settings follow docs/formats.md §5.4 and §8 item 16: flash attention
// OFF (llama.cpp's own default AUTO would turn it on for a CPU context), batchSize >= the prompt
// length so the whole prompt is one llama_decode (one graph, T = number of tokens), and an F32
// KV cache unless `--kv f16` asks for llama.cpp's default F16 cache.

export const NPM_HINT =
  "node_modules is missing or incomplete: run `npm ci --omit=optional` in tests/reference";

// Imports node-llama-cpp, or exits 2 with the npm hint (so a missing install is a loud failure).
export async function importNodeLlamaCpp() {
  try {
    return await import("node-llama-cpp");
  } catch (err) {
    process.stderr.write(`${NPM_HINT}\n(${err.message})\n`);
    process.exit(2);
  }
}

export async function importHfGguf() {
  try {
    return await import("@huggingface/gguf");
  } catch (err) {
    process.stderr.write(`${NPM_HINT}\n(${err.message})\n`);
    process.exit(2);
  }
}

// A llama.cpp instance on the CPU with the prebuilt binaries only. `logLines` collects every
// llama.cpp log message (also echoed to stderr unless quiet) so callers can check settings.
export async function getCpuLlama({ quiet = false, logLevel = "info" } = {}) {
  const nlc = await importNodeLlamaCpp();
  const logLines = [];
  const llama = await nlc.getLlama({
    gpu: false,
    build: "never",
    skipDownload: true,
    usePrebuiltBinaries: true,
    progressLogs: false,
    logLevel,
    logger(level, message) {
      logLines.push(message);
      if (!quiet) process.stderr.write(`[llama.cpp ${level}] ${message.replace(/\n$/, "")}\n`);
    },
  });
  return { nlc, llama, logLines };
}

// Loads a GGUF entirely on the CPU (gpuLayers 0).
export async function loadCpuModel(llama, modelPath) {
  return llama.loadModel({ modelPath, gpuLayers: 0 });
}

// A one-sequence context for teacher forcing `nTokens` tokens in one batch.
// kv: "f32" (default) or "f16" (llama.cpp's default KV type). lora: an optional LoRA adapter
// {filePath, scale} (docs/formats.md §7), node-llama-cpp's createContext option
// `lora: {adapters: [{filePath, scale}]}` (LlamaContextOptions, evaluator/LlamaContext/types.d.ts).
export async function createReferenceContext(model, { nTokens, kv = "f32", contextSize, threads, lora }) {
  const kvType = kv === "f16" ? "F16" : "F32";
  const ctxSize = contextSize ?? Math.max(256, nTokens);
  const options = {
    contextSize: ctxSize,
    batchSize: Math.max(nTokens, 1),
    sequences: 1,
    flashAttention: false,
    experimentalKvCacheKeyType: kvType,
    experimentalKvCacheValueType: kvType,
  };
  if (threads != null) options.threads = threads;
  if (lora != null) options.lora = { adapters: [{ filePath: lora.filePath, scale: lora.scale ?? 1 }] };
  const context = await model.createContext(options);
  return { context, settings: { ...options, contextSizeActual: context.contextSize } };
}

// Teacher-forced full-vocabulary log-probabilities: for every position i, log softmax of the raw
// logits after consuming tokens[0..i]. controlledEvaluate with generateNext.probabilities and no
// sampling options uses temperature 0, i.e. node-llama-cpp's sampler chain is [greedy] only (no
// top-k/top-p/min-p/temperature/penalties; AddonSampler.cpp rebuildChainIfNeeded), and the addon
// computes the probabilities as a plain f32 softmax over every candidate (AddonContext.cpp
// AddonContextSampleTokenWorker). Returns {logprobs: number[][], probSums: number[]}.
export async function teacherForcedLogprobs(context, tokens, nVocab) {
  const sequence = context.getSequence();
  const input = tokens.map((t) => [t, { generateNext: { probabilities: true } }]);
  const results = await sequence.controlledEvaluate(input);
  const logprobs = [];
  const probSums = [];
  for (let i = 0; i < tokens.length; i++) {
    const probs = results[i]?.next?.probabilities;
    if (probs == null) throw new Error(`no probabilities returned for position ${i}`);
    if (probs.size !== nVocab)
      throw new Error(`position ${i}: ${probs.size} probabilities, expected the whole vocabulary (${nVocab})`);
    const row = new Array(nVocab).fill(null);
    let sum = 0;
    for (const [token, p] of probs) {
      sum += p;
      row[token] = p > 0 ? Math.log(p) : -1e300; // underflowed f32 probability
    }
    if (row.some((v) => v === null)) throw new Error(`position ${i}: some token ids have no probability`);
    logprobs.push(row);
    probSums.push(sum);
  }
  sequence.dispose();
  return { logprobs, probSums };
}

// node-llama-cpp sums the f32 probabilities itself, largest first: over a 128k vocabulary its
// rounding alone reaches ~1e-4. A sampling transform (temperature, top-k) would be far larger.
export const kProbSumTolerance = 1e-3;

export function die(message, code = 1) {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

// n_vocab = token_embd.weight ne[1] (docs/formats.md §5.2), from node-llama-cpp's own GGUF reader.
export function vocabularySize(model) {
  const embd = model.fileInfo.tensorInfo?.find((t) => t.name === "token_embd.weight");
  if (embd == null) throw new Error("token_embd.weight not found in the model's tensor info");
  return Number(embd.dimensions[1]);
}

// The ggml CPU variant llama.cpp loaded, from its own (debug-level) log line
// "load_backend: loaded CPU backend from .../libggml-cpu-<variant>.so", e.g. "haswell" or "zen4".
// Needs getCpuLlama({ logLevel: "debug" }); waits for the line as checkFlashAttentionOff does.
export async function cpuBackendVariant(logLines) {
  const pattern = /load_backend: loaded CPU backend from .*libggml-cpu-([A-Za-z0-9_]+)\.so/;
  const deadline = Date.now() + 60000;
  let line;
  while ((line = logLines.find((l) => pattern.test(l))) == null && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  if (line == null) throw new Error("llama.cpp did not log which CPU backend it loaded within 60 s");
  return pattern.exec(line)[1];
}

// docs/formats.md §8 item 16: the oracle must have flash attention off. llama.cpp prints the
// resolved setting when it creates the context ("llama_context: flash_attn = disabled"). Log
// messages reach the JS logger asynchronously, so this waits (up to 60 s; CI machines can be loaded) for the line.
export async function checkFlashAttentionOff(logLines) {
  const deadline = Date.now() + 60000;
  let line;
  while ((line = logLines.find((l) => /flash_attn\s*=/.test(l))) == null && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  if (line == null) throw new Error("llama.cpp did not log its flash_attn setting within 60 s");
  if (!/flash_attn\s*=\s*(disabled|0|false)\b/.test(line))
    throw new Error(`flash attention is not off: ${line.trim()}`);
}
