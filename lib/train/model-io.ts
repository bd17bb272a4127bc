import type { JsonObject } from '../io/model-files.js';
import { loadModelFiles, saveModelFiles as writeModelDir } from '../io/model-files.js';
import { matchWeights, type NamedTensor } from '../io/weights.js';
import { noGrad } from '../autograd/mode.js';
import type { OptimizerStateDict } from '../optim/index.js';
import type { Tensor } from '../tensor.js';
import { type Model, type ModelConfig, modelFromConfig } from './model.js';

/** The optimizer's state split into JSON (steps, group options) and named tensors. */
function splitOptimizerState(dict: OptimizerStateDict): { json: JsonObject; tensors: NamedTensor[] } {
  const tensors: NamedTensor[] = [];
  const state = dict.state.map((s, i) => {
    if (!s) return null;
    for (const [name, tensor] of Object.entries(s.buffers)) tensors.push({ name: `state.${i}.${name}`, tensor });
    return { step: s.step, buffers: Object.keys(s.buffers) };
  });
  return { json: JSON.parse(JSON.stringify({ optimizer: dict.optimizer, state, paramGroups: dict.paramGroups })) as JsonObject, tensors };
}

function joinOptimizerState(json: JsonObject, tensors: readonly NamedTensor[]): OptimizerStateDict {
  const byName = new Map(tensors.map((t) => [t.name, t.tensor]));
  const j = json as unknown as { optimizer: string; state: ({ step: number; buffers: string[] } | null)[]; paramGroups: OptimizerStateDict['paramGroups'] };
  if (!Array.isArray(j.state) || !Array.isArray(j.paramGroups)) throw new Error('loadModel: model.json has a malformed optimizer state');
  const state = j.state.map((s, i) => {
    if (!s) return null;
    const buffers: Record<string, Tensor> = {};
    for (const name of s.buffers) {
      const t = byName.get(`state.${i}.${name}`);
      if (!t) throw new Error(`loadModel: optimizer.bin has no tensor 'state.${i}.${name}'`);
      buffers[name] = t;
    }
    return { step: s.step, buffers };
  });
  return { optimizer: j.optimizer, state, paramGroups: j.paramGroups };
}

/** Writes model.json, weights.bin and optionally optimizer.bin, atomically. */
export async function saveModelFiles(model: Model, dir: string, includeOptimizer: boolean): Promise<void> {
  const weights = Object.entries(model.module.stateDict()).map(([name, tensor]) => ({ name, tensor }));
  const config = model.toJSON() as unknown as JsonObject;
  let optimizerState: NamedTensor[] | null = null;
  if (includeOptimizer && model.hasOptimizer) {
    const split = splitOptimizerState(model.optimizer.stateDict());
    config.optimizerState = split.json;
    optimizerState = split.tensors;
  }
  try {
    await writeModelDir(dir, { config, weights, optimizerState });
  } finally {
    for (const t of optimizerState ?? []) t.tensor.dispose();
  }
}

/**
 * Loads a model saved by model.save(dir): architecture, weights (bitwise as saved), compile
 * settings and, when saved, the optimizer state to resume training exactly.
 */
export async function loadModel(dir: string): Promise<Model> {
  const files = await loadModelFiles(dir);
  const { optimizerState: optJson, ...config } = files.config as unknown as ModelConfig & { optimizerState?: JsonObject };
  const model = modelFromConfig(config);
  const sd = model.module.stateDict();
  const expected = Object.entries(sd).map(([name, t]) => ({ name, shape: t.shape, dtype: t.dtype }));
  const weights = matchWeights(files.weights, expected, `loadModel: ${files.dir}`);
  noGrad(() => model.module.loadStateDict(Object.fromEntries(expected.map((e, i) => [e.name, weights[i]!]))));
  for (const w of files.weights) w.tensor.dispose();
  if (optJson && files.optimizerState && model.hasOptimizer) {
    model.optimizer.loadStateDict(joinOptimizerState(optJson, files.optimizerState));
    for (const t of files.optimizerState) t.tensor.dispose();
  }
  return model;
}
