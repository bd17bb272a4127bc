// Learning-rate schedules "plotted" as lists of values and checked against their formulas,
// written out here, and LRScheduler driving an optimizer.
import { describe, expect, it } from 'vitest';

import * as ng from '../lib/index.js';

const { schedules: S, LRScheduler } = ng.optim;

/** The schedule at t = 0 .. n − 1. */
const plot = (f: (t: number) => number, n: number): number[] => Array.from({ length: n }, (_, t) => f(t));

function expectClose(got: number[], want: number[], tol = 1e-15): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(Math.abs(g - want[i]!), `t = ${i}: ${g} vs ${want[i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[i]!))));
}

describe('learning-rate schedules', () => {
  it('inverse time decay α0 / (1 + decay·epoch), and its staircase form', () => {
    expectClose(plot(S.inverseTimeDecay(0.5, 1), 5), [0.5, 0.25, 0.5 / 3, 0.125, 0.1]);
    expectClose(plot(S.inverseTimeDecay(0.1, 0.5, { decaySteps: 2 }), 4), [0.1, 0.1 / 1.25, 0.1 / 1.5, 0.1 / 1.75]);
    // The course's schedule_lr_decay with time interval 1000 and decay rate 0.3.
    const f = S.inverseTimeDecay(0.01, 0.3, { decaySteps: 1000, staircase: true });
    expectClose([0, 999, 1000, 2500, 10000].map(f), [0.01, 0.01, 0.01 / 1.3, 0.01 / 1.6, 0.01 / 4]);
  });

  it('exponential decay α0·r^epoch', () => {
    expectClose(plot(S.exponentialDecay(0.2, 0.95), 6), [0, 1, 2, 3, 4, 5].map((t) => 0.2 * 0.95 ** t));
    expectClose([0, 9, 10, 25].map(S.exponentialDecay(1, 0.5, { decaySteps: 10, staircase: true })), [1, 1, 0.5, 0.25]);
    expectClose([5].map(S.exponentialDecay(1, 0.5, { decaySteps: 10 })), [Math.SQRT1_2]);
  });

  it('α0·k/√epoch, with epoch 0 taken as epoch 1', () => {
    expectClose(plot(S.inverseSqrtDecay(0.3, 2), 6), [0.6, 0.6, 0.6 / Math.SQRT2, 0.6 / Math.sqrt(3), 0.3, 0.6 / Math.sqrt(5)]);
    expect(S.inverseSqrtDecay(1)(0.25)).toBe(1);
  });

  it('step and multi-step decay', () => {
    expectClose(plot(S.stepDecay(1, 3, 0.5), 8), [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25]);
    expectClose(plot(S.multiStepDecay(0.1, [2, 5], 0.1), 7), [0.1, 0.1, 0.01, 0.01, 0.01, 0.001, 0.001], 1e-14);
  });

  it('polynomial decay to endLr, then constant', () => {
    expectClose(plot(S.polynomialDecay(1, 4), 6), [1, 0.75, 0.5, 0.25, 0, 0]);
    const f = S.polynomialDecay(0.1, 4, { endLr: 0.01, power: 2 });
    expectClose(plot(f, 6), [0, 1, 2, 3, 4, 4].map((t) => 0.09 * (1 - t / 4) ** 2 + 0.01));
  });

  it('cosine annealing to etaMin over tMax, then constant', () => {
    const f = S.cosineAnnealing(1, 4, { etaMin: 0.2 });
    const want = [0, 1, 2, 3, 4, 4, 4].map((t) => 0.2 + 0.8 * (1 + Math.cos((Math.PI * t) / 4)) / 2);
    expectClose(plot(f, 7), want);
    expectClose([plot(f, 5)[0]!, plot(f, 5)[2]!, plot(f, 5)[4]!], [1, 0.6, 0.2]);
  });

  it('warm restarts (SGDR): cycles of t0, t0·tMult, t0·tMult², ...', () => {
    const cos = (cur: number, len: number) => 0.1 * (1 + Math.cos((Math.PI * cur) / len)) / 2;
    // tMult = 1: cycles of 3.
    expectClose(plot(S.cosineWarmRestarts(0.1, 3), 7), [cos(0, 3), cos(1, 3), cos(2, 3), cos(0, 3), cos(1, 3), cos(2, 3), cos(0, 3)]);
    // tMult = 2: cycles of 2, 4, 8 starting at epochs 0, 2, 6, 14.
    const want = [cos(0, 2), cos(1, 2), cos(0, 4), cos(1, 4), cos(2, 4), cos(3, 4),
      ...Array.from({ length: 8 }, (_, i) => cos(i, 8)), cos(0, 16)];
    expectClose(plot(S.cosineWarmRestarts(0.1, 2, { tMult: 2 }), 15), want);
    const withMin = S.cosineWarmRestarts(1, 4, { etaMin: 0.5 });
    expectClose([0, 2, 4, 5.5].map(withMin), [1, 0.75, 1, 0.5 + 0.5 * (1 + Math.cos((Math.PI * 1.5) / 4)) / 2]);
  });

  it('1cycle: up from maxLr/div to maxLr over pctStart, then down to the final rate', () => {
    // totalSteps 10, pctStart 0.3: phase 1 over t ∈ [0, 2], phase 2 over [2, 9].
    const anneal = (a: number, b: number, f: number) => b + ((a - b) * (1 + Math.cos(Math.PI * f))) / 2;
    const a = 1 / 25;
    const z = a / 1e4;
    const want = [0, 1, 2].map((t) => anneal(a, 1, t / 2)).concat([3, 4, 5, 6, 7, 8, 9].map((t) => anneal(1, z, (t - 2) / 7)));
    const f = S.oneCycle(1, 10);
    expectClose(plot(f, 10), want);
    expect(f(0)).toBeCloseTo(0.04, 15);
    expect(f(2)).toBe(1);
    expect(f(9)).toBeCloseTo(4e-6, 18);
    expect(f(50)).toBe(f(9));
    // Linear, three phases: [0, 1] up, [1, 2] back down, [2, 9] to the final rate.
    const g = S.oneCycle(2, 10, { pctStart: 0.2, annealStrategy: 'linear', threePhase: true, divFactor: 4, finalDivFactor: 5 });
    expectClose(plot(g, 10), [0.5, 2, 0.5, ...[3, 4, 5, 6, 7, 8, 9].map((t) => 0.5 + (0.1 - 0.5) * ((t - 2) / 7))], 1e-15);
  });

  it('manual: any function, checked', () => {
    expectClose(plot(S.manual((t) => (t < 2 ? 0.1 : 0.01)), 4), [0.1, 0.1, 0.01, 0.01]);
    expect(() => S.manual(() => -1)(0)).toThrow(/manual: the function returned a bad learning rate at t = 0, got -1/);
    expect(() => S.manual(() => NaN)(3)).toThrow(/at t = 3, got NaN/);
  });

  it('refuses bad arguments', () => {
    expect(() => S.exponentialDecay(-1, 0.9)).toThrow(/exponentialDecay: initialLr must be a finite number >= 0, got -1/);
    expect(() => S.exponentialDecay(1, 0)).toThrow(/exponentialDecay: rate must be a finite number > 0/);
    expect(() => S.inverseTimeDecay(1, 1, { decaySteps: 0 })).toThrow(/decaySteps must be a finite number > 0/);
    expect(() => S.cosineWarmRestarts(1, 2, { tMult: 0.5 })).toThrow(/tMult must be a finite number >= 1/);
    expect(() => S.oneCycle(1, 10, { pctStart: 1 })).toThrow(/pctStart must lie in \(0, 1\)/);
    expect(() => S.oneCycle(1, 3)).toThrow(/totalSteps is too small for pctStart/);
    expect(() => S.oneCycle(1, 100, { annealStrategy: 'cubic' as never })).toThrow(/annealStrategy must be 'cos' or 'linear'/);
    expect(() => S.stepDecay(1, 2)(-1)).toThrow(/stepDecay: t \(the epoch or step\) must be a finite number >= 0, got -1/);
    expect(() => S.multiStepDecay(1, 3 as never)).toThrow(/milestones must be an array/);
  });
});

describe('LRScheduler', () => {
  it('sets the rate of every group at construction and on each step()', () => {
    ng.setBackend('js');
    const a = ng.tensor([1, 2], { requiresGrad: true });
    const b = ng.tensor([3], { requiresGrad: true });
    const opt = new ng.optim.SGD([{ params: [a] }, { params: [b], lr: 0.5 }], { lr: 0.1 });
    const sched = new LRScheduler(opt, S.exponentialDecay(0.2, 0.5));
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.2, 0.2]);
    const seen = [sched.step(), sched.step(), sched.step()];
    expect(seen).toEqual([0.1, 0.05, 0.025]);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.025, 0.025]);
    expect(sched.t).toBe(3);
    expect(sched.lastLr).toBe(0.025);
    // The rate is the one step() applies.
    a.grad = ng.tensor([1, 1]);
    opt.step();
    expect(Array.from(a.dataSync())).toEqual([Math.fround(1 - 0.025), Math.fround(2 - 0.025)]);
  });

  it('per-batch stepping with stepsPerEpoch feeds the schedule fractional epochs', () => {
    const opt = { lr: 1 };
    const sched = new LRScheduler(opt, S.stepDecay(1, 1, 0.5), { stepsPerEpoch: 4 });
    const lrs = Array.from({ length: 8 }, () => sched.step());
    expect(lrs).toEqual([1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25]);
    const restored = new LRScheduler({ lr: 0 }, S.stepDecay(1, 1, 0.5), { stepsPerEpoch: 4 });
    restored.loadStateDict(sched.stateDict());
    expect(restored.lastLr).toBe(0.25);
    expect(restored.step()).toBe(sched.step());
  });

  it('refuses a bad optimizer, schedule or state', () => {
    expect(() => new LRScheduler({} as never, S.manual(() => 1))).toThrow(/LRScheduler: optimizer must be an optimizer/);
    expect(() => new LRScheduler({ lr: 1 }, 5 as never)).toThrow(/schedule must be a function/);
    expect(() => new LRScheduler({ lr: 1 }, S.manual(() => 1), { stepsPerEpoch: 0 })).toThrow(/stepsPerEpoch must be a finite number > 0/);
    expect(() => new LRScheduler({ lr: 1 }, S.manual(() => 1)).loadStateDict({ calls: -2 })).toThrow(/calls must be a non-negative integer/);
  });
});
