// ng.callbacks driven by a fake model and synthetic logs, the way fit() drives them.
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import * as ng from '../lib/index.js';
import { atomicHooks } from '../lib/io/atomic.js';
import { formatEta, formatPerStep, formatRate, formatTemplate, formatValue } from '../lib/train/format.js';
import type { Logs, TrainingModel } from '../lib/train/types.js';

let root: string;
beforeAll(async () => { root = await mkdtemp(join(tmpdir(), 'ng-cb-')); });
afterAll(async () => { await rm(root, { recursive: true, force: true }); });
afterEach(() => { atomicHooks.beforeCommit = null; });

/** The fake clock the progress bar reads: fakeFit advances it 250 ms per batch. */
let fakeNow = 0;
const now = () => fakeNow;

/** A model whose single weight is set to the epoch number as it "trains". */
class FakeModel implements TrainingModel {
  stopTraining = false;
  optimizer = { lr: 0.1 };
  weight = ng.zeros([2]);
  saves: string[] = [];

  getWeights(): ng.Tensor[] { return [this.weight.clone()]; }
  setWeights(ws: ng.Tensor[]): void { this.weight = ws[0]!.clone(); }
  async save(dir: string): Promise<void> {
    await ng.io.saveModelFiles(dir, { config: { lr: this.optimizer.lr }, weights: [{ name: 'w', tensor: this.weight }] });
    this.saves.push(dir);
  }
  get value(): number { return this.weight.dataSync()[0]!; }
}

class MemoryStream {
  chunks: string[] = [];
  constructor(readonly isTTY: boolean) {}
  write(s: string): boolean { this.chunks.push(s); return true; }
  get text(): string { return this.chunks.join(''); }
}

interface FitScript {
  epochs: Logs[];
  /** Batch logs per epoch (default: two batches with loss from the epoch logs). */
  batches?: (epoch: number) => Logs[];
  params?: Partial<ng.callbacks.TrainingParams>;
}

/** Drives callbacks exactly as fit() will: events in order, stopping when a callback asks. */
async function fakeFit(model: FakeModel, callbacks: (ng.callbacks.Callback | ng.callbacks.CallbackHooks)[], script: FitScript) {
  const history = new ng.callbacks.History();
  const list = new ng.callbacks.CallbackList([...callbacks, history]);
  list.setModel(model);
  list.setParams({ epochs: script.epochs.length, steps: 2, samples: 64, batchSize: 32, ...script.params });
  model.stopTraining = false;
  await list.onTrainBegin();
  for (let epoch = 0; epoch < script.epochs.length && !model.stopTraining; epoch++) {
    await list.onEpochBegin(epoch);
    const batches = script.batches?.(epoch) ?? [{ loss: script.epochs[epoch]!.loss ?? 0, size: 32 }, { loss: script.epochs[epoch]!.loss ?? 0, size: 32 }];
    for (const [b, logs] of batches.entries()) {
      await list.onBatchBegin(b, { batch: b, size: logs.size ?? 32 });
      model.weight = ng.full([2], epoch);  // "training" moves the weights
      fakeNow += 250;
      await list.onBatchEnd(b, { ...logs });
      if (model.stopTraining) break;
    }
    await list.onEpochEnd(epoch, { ...script.epochs[epoch]! });
  }
  await list.onTrainEnd();
  return history;
}

const valLoss = (...v: number[]) => v.map((x) => ({ loss: x + 0.1, val_loss: x }));

describe('EarlyStopping', () => {
  it('stops after `patience` epochs without improvement', async () => {
    const es = ng.callbacks.earlyStopping({ patience: 2 });
    const h = await fakeFit(new FakeModel(), [es], { epochs: valLoss(1, 0.9, 0.95, 0.97, 0.5) });
    expect(h.epoch).toEqual([0, 1, 2, 3]);
    expect(es.stoppedEpoch).toBe(3);
    expect(es.best).toBe(0.9);
  });

  it('ignores improvements smaller than minDelta', async () => {
    const es = ng.callbacks.earlyStopping({ patience: 1, minDelta: 0.2 });
    const h = await fakeFit(new FakeModel(), [es], { epochs: valLoss(1, 0.9, 0.85, 0.7) });
    expect(h.epoch).toEqual([0, 1]);
  });

  it('modes: auto is max for accuracies, min otherwise; explicit modes win', async () => {
    expect(new ng.callbacks.EarlyStopping({ monitor: 'val_accuracy' }).mode).toBe('max');
    expect(new ng.callbacks.EarlyStopping({ monitor: 'val_auc' }).mode).toBe('max');
    expect(new ng.callbacks.EarlyStopping({ monitor: 'loss' }).mode).toBe('min');
    const acc = [0.5, 0.6, 0.55, 0.58, 0.9].map((a) => ({ val_accuracy: a }));
    const auto = await fakeFit(new FakeModel(), [ng.callbacks.earlyStopping({ monitor: 'val_accuracy', patience: 1 })], { epochs: acc });
    expect(auto.epoch).toEqual([0, 1, 2]);
    // Told to minimize, the same curve "improves" at epoch 2 and stops at 3.
    const min = await fakeFit(new FakeModel(), [ng.callbacks.earlyStopping({ monitor: 'val_accuracy', patience: 1, mode: 'min' })], { epochs: acc });
    expect(min.epoch).toEqual([0, 1]);
    const max = await fakeFit(new FakeModel(), [ng.callbacks.earlyStopping({ monitor: 'val_loss', patience: 1, mode: 'max' })], { epochs: valLoss(1, 2, 3, 1) });
    expect(max.epoch).toEqual([0, 1, 2, 3]);
  });

  it('restoreBestWeights puts back the weights of the best epoch', async () => {
    const model = new FakeModel();
    const es = ng.callbacks.earlyStopping({ patience: 2, restoreBestWeights: true, verbose: 1, stream: new MemoryStream(false) });
    const h = await fakeFit(model, [es], { epochs: valLoss(1, 0.5, 0.7, 0.8, 0.1) });
    expect(h.epoch).toEqual([0, 1, 2, 3]);
    expect(model.value).toBe(1);  // weights of epoch 1, not of epoch 3 where it stopped
    expect(es.bestEpoch).toBe(1);
    // Without an early stop the best weights are restored at the end too (as Keras 3).
    const m2 = new FakeModel();
    await fakeFit(m2, [ng.callbacks.earlyStopping({ patience: 5, restoreBestWeights: true })], { epochs: valLoss(3, 1, 2) });
    expect(m2.value).toBe(1);
    const m3 = new FakeModel();
    await fakeFit(m3, [ng.callbacks.earlyStopping({ patience: 5 })], { epochs: valLoss(3, 1, 2) });
    expect(m3.value).toBe(2);
  });

  it('baseline: stops when the value does not beat it, even while improving', async () => {
    const h = await fakeFit(new FakeModel(), [ng.callbacks.earlyStopping({ patience: 1, baseline: 0.5 })], { epochs: valLoss(1, 0.9, 0.8) });
    expect(h.epoch).toEqual([0, 1]);
  });

  it('warns once when the monitored value is missing and never stops', async () => {
    const out = new MemoryStream(false);
    const h = await fakeFit(new FakeModel(), [ng.callbacks.earlyStopping({ monitor: 'val_auc', stream: out })], { epochs: valLoss(1, 2, 3) });
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(out.text).toBe("Warning: EarlyStopping monitors 'val_auc', which is not available; available: loss, val_loss\n");
  });

  it('prints Keras-style messages with verbose 1', async () => {
    const out = new MemoryStream(false);
    await fakeFit(new FakeModel(), [ng.callbacks.earlyStopping({ patience: 1, restoreBestWeights: true, verbose: 1, stream: out })], { epochs: valLoss(1, 2, 3) });
    expect(out.text).toBe('Epoch 2: early stopping\nRestoring model weights from the end of the best epoch: 1.\n');
  });
});

describe('ModelCheckpoint', () => {
  it('saveBestOnly writes only on improvement, each save a complete model', async () => {
    const dir = join(root, 'best');
    const model = new FakeModel();
    const ck = ng.callbacks.modelCheckpoint({ filepath: dir, saveBestOnly: true });
    await fakeFit(model, [ck], { epochs: valLoss(1, 0.8, 0.9, 0.7, 0.75) });
    expect(model.saves).toEqual([dir, dir, dir]);  // epochs 0, 1, 3
    const saved = await ng.io.loadModelFiles(dir);
    expect(Array.from(saved.weights[0]!.tensor.dataSync())).toEqual([3, 3]);
    expect((await readdir(root)).filter((n) => n.includes('best'))).toEqual(['best']);  // no temp or backup left
  });

  it('fills the path template from the epoch and the logs', async () => {
    const model = new FakeModel();
    const ck = ng.callbacks.modelCheckpoint({ filepath: join(root, 'ep{epoch:02d}-{val_loss:.2f}') });
    await fakeFit(model, [ck], { epochs: valLoss(1, 0.8, 0.9) });
    expect(ck.saved.map((p) => p.split('/').at(-1))).toEqual(['ep01-1.00', 'ep02-0.80', 'ep03-0.90']);
    const bad = ng.callbacks.modelCheckpoint({ filepath: join(root, '{val_acc}') });
    await expect(fakeFit(new FakeModel(), [bad], { epochs: valLoss(1) })).rejects.toThrow(/uses \{val_acc\}, which is not among the logs/);
  });

  it('saves every N batches with saveFreq', async () => {
    const model = new FakeModel();
    const ck = ng.callbacks.modelCheckpoint({ filepath: join(root, 'b-{epoch}-{batch}'), saveFreq: 3 });
    await fakeFit(model, [ck], { epochs: valLoss(1, 1, 1) });  // 6 batches
    expect(ck.saved.map((p) => p.split('/').at(-1))).toEqual(['b-2-0', 'b-3-1']);
  });

  it('an interrupted save leaves the previous checkpoint intact', async () => {
    const dir = join(root, 'interrupted');
    const model = new FakeModel();
    let saves = 0;
    atomicHooks.beforeCommit = () => { if (++saves === 2) throw new Error('killed mid-save (simulated)'); };
    await expect(fakeFit(model, [ng.callbacks.modelCheckpoint({ filepath: dir })], { epochs: valLoss(1, 1) })).rejects.toThrow(/killed/);
    expect(Array.from((await ng.io.loadModelFiles(dir)).weights[0]!.tensor.dataSync())).toEqual([0, 0]);
  });
});

describe('learning-rate callbacks', () => {
  it('learningRateScheduler sets optimizer.lr from (epoch, lr) at each epoch start and logs it', async () => {
    const model = new FakeModel();
    const seen: number[] = [];
    const h = await fakeFit(model, [
      ng.callbacks.learningRateScheduler(async (epoch, lr) => (epoch < 2 ? lr : lr * 0.5)),
      { onEpochBegin: () => { seen.push(model.optimizer.lr); } },
    ], { epochs: valLoss(1, 1, 1, 1) });
    expect(seen).toEqual([0.1, 0.1, 0.05, 0.025]);
    expect(h.history.lr).toEqual([0.1, 0.1, 0.05, 0.025]);
    await expect(fakeFit(new FakeModel(), [ng.callbacks.learningRateScheduler(() => NaN)], { epochs: valLoss(1) }))
      .rejects.toThrow(/the schedule returned NaN for epoch 0/);
  });

  it('reduceLROnPlateau multiplies lr by factor after patience, honoring cooldown and minLr', async () => {
    const flat = valLoss(1, 1, 1, 1, 1, 1);
    const run = async (opts: ng.callbacks.ReduceLROnPlateauOptions) => {
      const model = new FakeModel();
      const h = await fakeFit(model, [ng.callbacks.reduceLROnPlateau({ factor: 0.5, patience: 2, ...opts })], { epochs: flat });
      return h.history.lr!.map((v) => Math.round(v * 1e6) / 1e6).concat(model.optimizer.lr);
    };
    // lr logged at each epoch end is the lr that epoch used; the last entry is the final lr.
    expect(await run({})).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
    expect(await run({ cooldown: 2 })).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025]);
    expect(await run({ minLr: 0.04 })).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.04, 0.04]);
    const improving = new FakeModel();
    await fakeFit(improving, [ng.callbacks.reduceLROnPlateau({ patience: 1 })], { epochs: valLoss(5, 4, 3, 2) });
    expect(improving.optimizer.lr).toBe(0.1);
    expect(() => ng.callbacks.reduceLROnPlateau({ factor: 1.5 })).toThrow(/factor must be < 1/);
  });
});

describe('CsvLogger', () => {
  it('writes a header and one row per epoch as it goes; append keeps one header', async () => {
    const path = join(root, 'log.csv');
    const epochs = [{ loss: 0.5, accuracy: 0.75, val_loss: 0.625 }, { loss: 0.25, accuracy: 0.875, val_loss: 0.5 }];
    const rows: string[] = [];
    await fakeFit(new FakeModel(), [ng.callbacks.csvLogger(path), { onEpochEnd: async () => { rows.push(await readFile(path, 'utf8')); } }], { epochs });
    expect(rows[0]).toBe('epoch,accuracy,loss,val_loss\n0,0.75,0.5,0.625\n');  // on disk before the next epoch
    expect(await readFile(path, 'utf8')).toBe('epoch,accuracy,loss,val_loss\n0,0.75,0.5,0.625\n1,0.875,0.25,0.5\n');
    await fakeFit(new FakeModel(), [ng.callbacks.csvLogger(path, { append: true })], { epochs: [{ loss: 0.125, accuracy: 1, val_loss: 0.25 }] });
    expect(await readFile(path, 'utf8')).toBe('epoch,accuracy,loss,val_loss\n0,0.75,0.5,0.625\n1,0.875,0.25,0.5\n0,1,0.125,0.25\n');
    const semi = join(root, 'semi.csv');
    await writeFile(semi, 'old');
    await fakeFit(new FakeModel(), [ng.callbacks.csvLogger(semi, { separator: ';' })], { epochs: [{ loss: 1 }, { loss: 2, val_loss: 3 }] });
    expect(await readFile(semi, 'utf8')).toBe('epoch;loss\n0;1\n1;2\n');
  });
});

describe('TerminateOnNaN', () => {
  it('stops at the first batch whose loss is NaN or infinite', async () => {
    const out = new MemoryStream(false);
    const model = new FakeModel();
    const batchesSeen: string[] = [];
    const h = await fakeFit(model, [ng.callbacks.terminateOnNaN({ stream: out }), { onBatchEnd: (b) => { batchesSeen.push(`${b}`); } }], {
      epochs: valLoss(1, 1, 1),
      batches: (e) => (e === 1 ? [{ loss: 0.5 }, { loss: NaN }, { loss: 0.5 }] : [{ loss: 0.5 }]),
    });
    expect(model.stopTraining).toBe(true);
    expect(h.epoch).toEqual([0, 1]);
    expect(batchesSeen).toEqual(['0', '0', '1']);
    expect(out.text).toBe('Batch 1: Invalid loss, terminating training\n');
    const inf = new FakeModel();
    await fakeFit(inf, [ng.callbacks.terminateOnNaN({ stream: out })], { epochs: [{ loss: Infinity }] });
    expect(inf.stopTraining).toBe(true);
  });
});

describe('ProgressBar', () => {
  const script: FitScript = {
    epochs: [{ loss: 0.5, accuracy: 0.75, val_loss: 0.625, val_accuracy: 0.7 }, { loss: 0.25, accuracy: 0.875, val_loss: 0.5, val_accuracy: 0.8 }],
    batches: () => [32, 32, 32, 4].map((size, i) => ({ loss: 1 / (i + 1), accuracy: 0.5, size })),
    params: { steps: 4, samples: 100, batchSize: 32 },
  };

  it('on a TTY redraws one line in place: bar, ETA, samples/s, running metrics; then the epoch summary', async () => {
    const out = new MemoryStream(true);
    await fakeFit(new FakeModel(), [ng.callbacks.progressBar({ stream: out, now, width: 10 })], script);
    const lines = out.text.split('\n');
    expect(lines[0]).toBe('Epoch 1/2');
    const redraws = lines[1]!.split('\r').slice(1);
    expect(redraws[0]).toBe('1/4 [==>.......] - ETA: 1s - 128 samples/s - loss: 1.0000 - accuracy: 0.5000');
    expect(redraws[2]).toBe('3/4 [=======>..] - ETA: 0s - 128 samples/s - loss: 0.3333 - accuracy: 0.5000');
    // 4 batches of 250 ms: 1 s, 100 samples. Merged logs: the epoch's values win.
    expect(redraws.at(-1)!.trimEnd()).toBe('4/4 [==========] - 1s 250ms/step - 100 samples/s - loss: 0.5000 - accuracy: 0.7500 - val_loss: 0.6250 - val_accuracy: 0.7000');
    expect(lines[2]).toBe('Epoch 2/2');
    expect(lines.length).toBe(5);
  });

  it('off a TTY, and with verbose 2, prints plain lines only', async () => {
    const expected = 'Epoch 1/2\n4/4 - 1s 250ms/step - 100 samples/s - loss: 0.5000 - accuracy: 0.7500 - val_loss: 0.6250 - val_accuracy: 0.7000\n'
      + 'Epoch 2/2\n4/4 - 1s 250ms/step - 100 samples/s - loss: 0.2500 - accuracy: 0.8750 - val_loss: 0.5000 - val_accuracy: 0.8000\n';
    const pipe = new MemoryStream(false);
    await fakeFit(new FakeModel(), [ng.callbacks.progressBar({ stream: pipe, now })], script);
    expect(pipe.text).toBe(expected);
    const tty = new MemoryStream(true);
    await fakeFit(new FakeModel(), [ng.callbacks.progressBar({ stream: tty, now, verbose: 2 })], script);
    expect(tty.text).toBe(expected);
    const silent = new MemoryStream(true);
    await fakeFit(new FakeModel(), [ng.callbacks.progressBar({ stream: silent, verbose: 0 })], script);
    expect(silent.text).toBe('');
  });

  it('throttles redraws and formats small values and unknown step counts', async () => {
    const out = new MemoryStream(true);
    let t = 0;
    const bar = ng.callbacks.progressBar({ stream: out, now: () => (t += 10), intervalMs: 50 });
    await fakeFit(new FakeModel(), [bar], { epochs: [{ loss: 1e-5 }], batches: () => new Array(20).fill({ loss: 1e-5, size: 1 }), params: { steps: 20 } });
    const draws = out.text.split('\r').length - 1;
    expect(draws).toBeGreaterThan(2);
    expect(draws).toBeLessThan(10);
    expect(out.text).toContain('loss: 1.0000e-5');
    expect(ng.callbacks.progressBar).toBeTypeOf('function');
    const unknown = new MemoryStream(true);
    await fakeFit(new FakeModel(), [ng.callbacks.progressBar({ stream: unknown, now })], { epochs: [{ loss: 1 }], params: { steps: undefined } });
    expect(unknown.text).toContain('1/Unknown - 0s - 128 samples/s - loss: 1.0000');
  });
});

describe('formatting', () => {
  it('values, times, rates and path templates as Keras writes them', () => {
    expect([formatValue(0.123456), formatValue(0.0001234), formatValue(NaN), formatValue(-12)]).toEqual(['0.1235', '1.2340e-4', 'NaN', '-12.0000']);
    expect([formatEta(42.4), formatEta(185), formatEta(3723)]).toEqual(['42s', '3:05', '1:02:03']);
    expect([formatPerStep(2), formatPerStep(0.0123), formatPerStep(0.00085)]).toEqual(['2s/step', '12ms/step', '850us/step']);
    expect([formatRate(1234.4), formatRate(56789)]).toEqual(['1234 samples/s', '56.8k samples/s']);
    expect(formatTemplate('t', 'm-{epoch:03d}-{loss:.3f}-{auc:.1e}-{x}', { epoch: 7, loss: 0.12345, auc: 0.5, x: 2 })).toBe('m-007-0.123-5.0e-1-2');
    expect(() => formatTemplate('t', '{loss:%s}', { loss: 1 })).toThrow(/unsupported format '\{loss:%s\}'/);
  });
});

describe('custom callbacks and CallbackList', () => {
  it('calls every hook in order, awaits async hooks, accepts classes and plain objects', async () => {
    const events: string[] = [];
    class Recorder extends ng.callbacks.Callback {
      override onTrainBegin() { events.push('A trainBegin'); }
      override async onEpochBegin(e: number) { await new Promise((r) => setTimeout(r, 5)); events.push(`A epochBegin ${e}`); }
      override onBatchBegin(b: number) { events.push(`A batchBegin ${b}`); }
      override onBatchEnd(b: number) { events.push(`A batchEnd ${b}`); }
      override onEpochEnd(e: number, logs: Logs) { events.push(`A epochEnd ${e}`); logs.extra = 42; }
      override onTrainEnd() { events.push('A trainEnd'); }
    }
    const plain: ng.callbacks.CallbackHooks = {
      onEpochBegin: (e) => { events.push(`B epochBegin ${e}`); },
      onEpochEnd: (e, logs) => { events.push(`B epochEnd ${e} extra=${logs.extra}`); },
      onTrainEnd: async () => { events.push('B trainEnd'); },
    };
    const h = await fakeFit(new FakeModel(), [new Recorder(), plain], { epochs: [{ loss: 1 }] });
    expect(events).toEqual([
      'A trainBegin', 'A epochBegin 0', 'B epochBegin 0', 'A batchBegin 0', 'A batchEnd 0', 'A batchBegin 1', 'A batchEnd 1',
      'A epochEnd 0', 'B epochEnd 0 extra=42', 'A trainEnd', 'B trainEnd',
    ]);
    expect(h.history).toEqual({ loss: [1], extra: [42] });
    expect(() => new ng.callbacks.CallbackList([{ onEpochFinish: () => {} } as never])).toThrow(/unknown hook 'onEpochFinish'/);
  });

  it('History keeps one value per epoch per key', async () => {
    const h = await fakeFit(new FakeModel(), [], { epochs: valLoss(3, 2, 1) });
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(h.history.val_loss).toEqual([3, 2, 1]);
    expect(h.history.loss!.length).toBe(3);
  });
});
