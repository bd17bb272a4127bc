import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { backupPath, resolveDirForRead, writeDirAtomic } from './atomic.js';
import { type NamedTensor, type WeightsManifest, decodeWeights, encodeWeights } from './weights.js';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
export const OPTIMIZER_BIN = 'optimizer.bin';
const FORMAT = 'nodegrad-model';
const FORMAT_VERSION = 1;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** What a model directory holds, independent of the Model class that fills it. */
export interface ModelFilesContent {
  /** The model's JSON description (architecture, compile config, optimizer config, ...). */
  config: JsonObject;
  /** The model's weights, by name. */
  weights: readonly NamedTensor[];
  /** Optional optimizer state (moments, step counts) to resume training exactly. */
  optimizerState?: readonly NamedTensor[] | null;
}

export interface LoadedModelFiles {
  config: JsonObject;
  weights: NamedTensor[];
  optimizerState: NamedTensor[] | null;
  /** The directory actually read (the backup after a save that crashed mid-swap). */
  dir: string;
}

/** The model.json document. */
interface ModelJson {
  format: typeof FORMAT;
  formatVersion: number;
  config: JsonObject;
  weightsManifest: WeightsManifest & { file: string };
  optimizerManifest?: WeightsManifest & { file: string };
}

/**
 * Saves a model directory atomically: `model.json` (config + manifests), `weights.bin`
 * and, when given, `optimizer.bin`. Everything is written into a temporary sibling
 * directory that replaces `dir` in one rename, so `dir` always holds either the previous
 * complete model or the new one. An existing `dir` may only hold these files.
 */
export async function saveModelFiles(dir: string, content: ModelFilesContent): Promise<void> {
  const op = 'saveModel';
  if (typeof dir !== 'string' || dir === '') throw new Error(`${op}: expected a directory path, got ${String(dir)}`);
  const { config, weights, optimizerState } = content ?? {};
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new Error(`${op}: config must be a JSON object`);
  const w = encodeWeights(weights);
  const o = optimizerState ? encodeWeights(optimizerState) : null;
  const doc: ModelJson = {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    config,
    weightsManifest: { file: WEIGHTS_BIN, ...w.manifest },
    ...(o ? { optimizerManifest: { file: OPTIMIZER_BIN, ...o.manifest } } : {}),
  };
  let json: string;
  try {
    json = `${JSON.stringify(doc, null, 1)}\n`;
  } catch (err) {
    throw new Error(`${op}: config is not serializable to JSON: ${(err as Error).message}`);
  }
  const files: [string, Uint8Array | string][] = [[WEIGHTS_BIN, w.data]];
  if (o) files.push([OPTIMIZER_BIN, o.data]);
  files.push([MODEL_JSON, json]);  // manifest last
  await writeDirAtomic(dir, files, { replaceable: [MODEL_JSON, WEIGHTS_BIN, OPTIMIZER_BIN] });
}

async function readBytes(path: string, what: string): Promise<Uint8Array> {
  try {
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`loadModel: ${what} ${path} is missing`);
    throw err;
  }
}

/**
 * Reads a directory written by saveModelFiles(), verifying every file (format, lengths,
 * checksums). Throws a clear Error on a missing, truncated or modified file.
 */
export async function loadModelFiles(dir: string): Promise<LoadedModelFiles> {
  const op = 'loadModel';
  if (typeof dir !== 'string' || dir === '') throw new Error(`${op}: expected a directory path, got ${String(dir)}`);
  const root = await resolveDirForRead(dir);
  const jsonPath = join(root, MODEL_JSON);
  let text: string;
  try {
    text = await readFile(jsonPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`${op}: no ${MODEL_JSON} in ${root} (not a saved nodegrad model${root === backupPath(dir) ? '' : ', or the directory does not exist'})`);
    }
    throw err;
  }
  let doc: ModelJson;
  try {
    doc = JSON.parse(text) as ModelJson;
  } catch (err) {
    throw new Error(`${op}: ${jsonPath} is not valid JSON (truncated or corrupted): ${(err as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object' || doc.format !== FORMAT) {
    throw new Error(`${op}: ${jsonPath} is not a nodegrad model file (format ${JSON.stringify((doc as { format?: unknown } | null)?.format)})`);
  }
  if (doc.formatVersion !== FORMAT_VERSION) {
    throw new Error(`${op}: ${jsonPath} has format version ${JSON.stringify(doc.formatVersion)}; this nodegrad reads version ${FORMAT_VERSION}`);
  }
  if (doc.config === null || typeof doc.config !== 'object' || Array.isArray(doc.config)) {
    throw new Error(`${op}: ${jsonPath} has no config object`);
  }
  const load = async (manifest: WeightsManifest & { file: string }, fallback: string): Promise<NamedTensor[]> => {
    const file = manifest?.file ?? fallback;
    if (file !== WEIGHTS_BIN && file !== OPTIMIZER_BIN) throw new Error(`${op}: ${jsonPath} names an unexpected data file ${JSON.stringify(file)}`);
    const path = join(root, file);
    return decodeWeights(await readBytes(path, 'data file'), manifest, `${op}: ${path}`);
  };
  const weights = await load(doc.weightsManifest, WEIGHTS_BIN);
  const optimizerState = doc.optimizerManifest ? await load(doc.optimizerManifest, OPTIMIZER_BIN) : null;
  return { config: doc.config, weights, optimizerState, dir: root };
}
