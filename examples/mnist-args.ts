// Command-line options shared by the MNIST examples: --epochs N, --backend native|wasm|js, --quiet.
import * as ng from '../lib/index.js';

export interface ExampleArgs {
  epochs: number;
  verbose: 0 | 1 | 2;
}

export function parseArgs(defaultEpochs: number): ExampleArgs {
  const argv = process.argv.slice(2);
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const backend = value('--backend');
  if (backend) ng.setBackend(backend as ng.BackendName);
  const epochs = Number(value('--epochs') ?? defaultEpochs);
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`--epochs must be a positive integer, got ${value('--epochs')}`);
  return { epochs, verbose: argv.includes('--quiet') ? 2 : 1 };
}

/** Prints the figures every example ends with. */
export function report(name: string, accuracy: number, seconds: number, samples: number): void {
  console.log(`\n${name} on ${ng.getBackend()}: test accuracy ${(100 * accuracy).toFixed(2)}%, ` +
    `training ${seconds.toFixed(1)} s, ${Math.round(samples / seconds)} samples/s`);
}
