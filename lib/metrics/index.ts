// ng.metrics: streaming metrics with Keras names.
import { AUC } from './auc.js';
import { Accuracy, type AccuracyMode, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy } from './accuracy.js';
import { F1Score, Precision, Recall } from './confusion.js';
import { Metric } from './metric.js';
import { MeanAbsoluteError, MeanSquaredError } from './regression.js';

export { AUC } from './auc.js';
export type { AucOptions } from './auc.js';
export { Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy } from './accuracy.js';
export type { AccuracyMode, AccuracyOptions, ThresholdOptions } from './accuracy.js';
export { F1Score, Precision, Recall } from './confusion.js';
export type { ConfusionOptions, F1Average, F1Options } from './confusion.js';
export { Mean, Metric } from './metric.js';
export type { Direction } from './metric.js';
export { MeanAbsoluteError, MeanSquaredError } from './regression.js';

/** 'binaryAccuracy' → 'binary_accuracy', 'AUC' → 'auc': the key a metric has in logs. */
export function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

function key(name: string): string {
  return name.replace(/[_\s-]/g, '').toLowerCase();
}

/** The accuracy Keras' compile() picks for a loss: binary for sigmoid losses, sparse for index labels. */
function accuracyModeFor(loss: string | undefined): AccuracyMode {
  switch (loss === undefined ? '' : key(loss)) {
    case 'binarycrossentropy': case 'sigmoidcrossentropy': case 'bce': return 'binary';
    case 'categoricalcrossentropy': return 'categorical';
    case 'sparsecategoricalcrossentropy': return 'sparse';
    default: return 'auto';
  }
}

const FACTORIES: Record<string, (name: string, loss?: string) => Metric> = {
  accuracy: (name, loss) => new Accuracy({ name, mode: accuracyModeFor(loss) }),
  acc: (name, loss) => new Accuracy({ name, mode: accuracyModeFor(loss) }),
  binaryaccuracy: (name) => new BinaryAccuracy({ name }),
  categoricalaccuracy: (name) => new CategoricalAccuracy({ name }),
  sparsecategoricalaccuracy: (name) => new SparseCategoricalAccuracy({ name }),
  precision: (name) => new Precision({ name }),
  recall: (name) => new Recall({ name }),
  f1: (name) => new F1Score({ name }),
  f1score: (name) => new F1Score({ name }),
  auc: (name) => new AUC({ name }),
  mse: (name) => new MeanSquaredError({ name }),
  meansquarederror: (name) => new MeanSquaredError({ name }),
  mae: (name) => new MeanAbsoluteError({ name }),
  meanabsoluteerror: (name) => new MeanAbsoluteError({ name }),
};

/** The metric names getMetric() knows (camelCase or snake_case both work). */
export const METRIC_NAMES: readonly string[] = [
  'accuracy', 'acc', 'binaryAccuracy', 'categoricalAccuracy', 'sparseCategoricalAccuracy', 'precision', 'recall',
  'f1Score', 'f1', 'auc', 'mse', 'meanSquaredError', 'mae', 'meanAbsoluteError',
];

/**
 * A fresh metric from its Keras name ('accuracy', 'binary_accuracy' or 'binaryAccuracy',
 * 'auc', 'mse', ...), or the metric itself when given one. Its logs key is the name in
 * snake_case ('binaryAccuracy' → 'binary_accuracy', 'mse' → 'mse'), as Keras keys
 * metrics by the string given. `loss` lets 'accuracy' pick binary, categorical or sparse
 * accuracy as Keras' compile() does; otherwise it decides from the shapes.
 */
export function getMetric(identifier: string | Metric, options: { loss?: string } = {}): Metric {
  if (identifier instanceof Metric) return identifier;
  if (typeof identifier !== 'string') throw new Error(`getMetric: expected a metric name or a Metric, got ${typeof identifier}`);
  const factory = FACTORIES[key(identifier)];
  if (!factory) throw new Error(`getMetric: unknown metric '${identifier}' (known: ${METRIC_NAMES.join(', ')})`);
  return factory(snakeCase(identifier), options.loss);
}
