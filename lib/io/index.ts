// ng.io: atomic file writes, the weights file format and model directories.
export { backupPath, resolveDirForRead, writeDirAtomic, writeFileAtomic } from './atomic.js';
export type { FileData, WriteDirOptions } from './atomic.js';
export { MODEL_JSON, OPTIMIZER_BIN, WEIGHTS_BIN, loadModelFiles, saveModelFiles } from './model-files.js';
export type { JsonObject, JsonValue, LoadedModelFiles, ModelFilesContent } from './model-files.js';
export { WEIGHTS_HEADER_BYTES, decodeWeights, encodeWeights, matchWeights, validateManifest } from './weights.js';
export type { ExpectedTensor, NamedTensor, WeightsEntry, WeightsManifest } from './weights.js';
