#!/usr/bin/env node
// Cross-checks `etchsim inspect FILE --json` against independent GGUF parsers:
//   * @huggingface/gguf (the Hugging Face Hub's parser), always;
//   * node-llama-cpp's own GGUF reader (readGgufFileInfo), unless --no-nlc.
//
//   node gguf_compare.mjs MODEL.gguf INSPECT.json [--no-nlc]
//
// Every tensor must agree on name, ggml type id, shape (ggml ne order, n_dims entries) and offset
// (relative to the data section, as stored; docs/formats.md §1.1), in file order; the data
// section start, the GGUF version and the metadata key set must agree too. Scalar metadata
// values that the inspect JSON reports as plain numbers/strings/booleans are compared as well.
// Prints a one-line JSON summary; on any mismatch prints every difference and exits 1.
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

import { importHfGguf, importNodeLlamaCpp } from "./llama_common.mjs";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { "no-nlc": { type: "boolean", default: false } },
});
if (positionals.length !== 2) {
  process.stderr.write("usage: node gguf_compare.mjs MODEL.gguf INSPECT.json [--no-nlc]\n");
  process.exit(1);
}
const modelPath = path.resolve(positionals[0]);
const inspect = JSON.parse(fs.readFileSync(positionals[1], "utf8"));
if (!Array.isArray(inspect.tensors)) {
  process.stderr.write(`gguf_compare: ${positionals[1]} has no "tensors" array (not etchsim inspect --json output?)\n`);
  process.exit(1);
}

const diffs = [];
const diff = (parser, what, etchsimValue, theirs) =>
  diffs.push(`${parser}: ${what}: etchsim ${JSON.stringify(etchsimValue)} vs ${JSON.stringify(theirs)}`);
const big = (v) => (typeof v === "bigint" ? v.toString() : String(v));

// tensors: [{name, typeId, shape: [...], offset}] from a parser, compared in file order.
function compareTensors(parser, tensors) {
  if (tensors.length !== inspect.tensors.length)
    diff(parser, "tensor count", inspect.tensors.length, tensors.length);
  const n = Math.min(tensors.length, inspect.tensors.length);
  for (let i = 0; i < n; i++) {
    const mine = inspect.tensors[i];
    const theirs = tensors[i];
    const where = `tensor #${i} (${mine.name})`;
    if (mine.name !== theirs.name) diff(parser, `${where} name`, mine.name, theirs.name);
    if (mine.type_id !== theirs.typeId) diff(parser, `${where} type id`, mine.type_id, theirs.typeId);
    const myShape = mine.shape.map(big);
    const theirShape = theirs.shape.map(big);
    if (JSON.stringify(myShape) !== JSON.stringify(theirShape))
      diff(parser, `${where} shape`, mine.shape, theirShape.map(Number));
    if (big(mine.offset) !== big(theirs.offset)) diff(parser, `${where} offset`, mine.offset, big(theirs.offset));
    if (theirs.fileOffset != null && mine.file_offset != null && big(mine.file_offset) !== big(theirs.fileOffset))
      diff(parser, `${where} file offset`, mine.file_offset, big(theirs.fileOffset));
  }
}

// Metadata keys of the inspect JSON that are not GGUF keys in the file.
const kPseudoKeys = new Set(["version", "tensor_count", "kv_count"]);

// --- @huggingface/gguf ---------------------------------------------------------------------
const { gguf } = await importHfGguf();
const hf = await gguf(modelPath, { allowLocalFile: true });
compareTensors(
  "@huggingface/gguf",
  hf.tensorInfos.map((t) => ({ name: t.name, typeId: t.dtype, shape: t.shape, offset: t.offset }))
);
if (inspect.data_offset != null && big(inspect.data_offset) !== big(hf.tensorDataOffset))
  diff("@huggingface/gguf", "data section offset", inspect.data_offset, big(hf.tensorDataOffset));
if (inspect.version != null && inspect.version !== hf.metadata.version)
  diff("@huggingface/gguf", "version", inspect.version, hf.metadata.version);
if (inspect.tensors.length !== Number(hf.metadata.tensor_count))
  diff("@huggingface/gguf", "tensor_count", inspect.tensors.length, big(hf.metadata.tensor_count));
let metadataCompared = 0;
if (inspect.metadata != null && typeof inspect.metadata === "object") {
  const hfKeys = Object.keys(hf.metadata).filter((k) => !kPseudoKeys.has(k)).sort();
  const myKeys = Object.keys(inspect.metadata).filter((k) => !kPseudoKeys.has(k)).sort();
  if (JSON.stringify(hfKeys) !== JSON.stringify(myKeys)) diff("@huggingface/gguf", "metadata keys", myKeys, hfKeys);
  if (Number(hf.metadata.kv_count) !== myKeys.length)
    diff("@huggingface/gguf", "kv_count", myKeys.length, big(hf.metadata.kv_count));
  for (const key of myKeys) {
    if (!(key in hf.metadata)) continue;
    metadataCompared++;
    const why = valueMismatch(inspect.metadata[key], hf.metadata[key]);
    if (why != null) diff("@huggingface/gguf", `metadata ${key}${why}`, inspect.metadata[key], jsonable(hf.metadata[key]));
  }
}

// null when etchsim's JSON value matches the parsed one. etchsim prints arrays longer than its
// summary limit as {"type": "array", "elem_type", "count", "head": [first items]}.
function valueMismatch(mine, theirs) {
  if (mine != null && typeof mine === "object" && !Array.isArray(mine) && mine.type === "array") {
    if (!Array.isArray(theirs)) return " (not an array)";
    if (mine.count !== theirs.length) return ` (array length ${mine.count} vs ${theirs.length})`;
    for (let i = 0; i < mine.head.length; i++) {
      const why = valueMismatch(mine.head[i], theirs[i]);
      if (why != null) return ` [${i}]${why}`;
    }
    return null;
  }
  if (Array.isArray(mine)) {
    if (!Array.isArray(theirs)) return " (not an array)";
    if (mine.length !== theirs.length) return ` (array length ${mine.length} vs ${theirs.length})`;
    for (let i = 0; i < mine.length; i++) {
      const why = valueMismatch(mine[i], theirs[i]);
      if (why != null) return ` [${i}]${why}`;
    }
    return null;
  }
  if (typeof mine === "number") {
    // Integers compare exactly (u64/i64 as bigint); f32/f64 values are printed as doubles.
    if (typeof theirs === "bigint") return BigInt(Math.round(mine)) === theirs && Number.isInteger(mine) ? null : "";
    return mine === theirs || (Number.isNaN(mine) && Number.isNaN(theirs)) ? null : "";
  }
  return mine === theirs ? null : "";
}
function jsonable(v) {
  if (typeof v === "bigint") return v.toString();
  if (Array.isArray(v)) return v.length > 8 ? `[array of ${v.length}]` : v.map(jsonable);
  return v;
}

// --- node-llama-cpp's GGUF reader ------------------------------------------------------------
let nlcChecked = false;
if (!values["no-nlc"]) {
  const { readGgufFileInfo } = await importNodeLlamaCpp();
  const info = await readGgufFileInfo(modelPath, { readTensorInfo: true, sourceType: "filesystem", logWarnings: false });
  compareTensors(
    "node-llama-cpp readGgufFileInfo",
    (info.tensorInfo ?? []).map((t) => ({
      name: t.name,
      typeId: t.ggmlType,
      shape: t.dimensions,
      offset: t.offset,
      fileOffset: t.fileOffset,
    }))
  );
  if (inspect.version != null && inspect.version !== info.version)
    diff("node-llama-cpp readGgufFileInfo", "version", inspect.version, info.version);
  nlcChecked = true;
}

const summary = {
  file: modelPath,
  tensors: inspect.tensors.length,
  metadata_values_compared: metadataCompared,
  parsers: ["@huggingface/gguf"].concat(nlcChecked ? ["node-llama-cpp"] : []),
  ok: diffs.length === 0,
};
process.stdout.write(JSON.stringify(summary) + "\n");
if (diffs.length > 0) {
  process.stderr.write(`gguf_compare: ${diffs.length} mismatch(es) for ${modelPath}:\n`);
  for (const d of diffs.slice(0, 200)) process.stderr.write(`  ${d}\n`);
  if (diffs.length > 200) process.stderr.write(`  ... and ${diffs.length - 200} more\n`);
  process.exit(1);
}
