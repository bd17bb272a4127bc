/**
 * Learning-rate schedules: pure functions of t, the epoch (or step) counted from 0, that
 * return the learning rate; and LRScheduler, which applies one to an optimizer. Every
 * schedule accepts fractional t (an epoch-based schedule evaluated per step).
 */

/** A learning rate as a function of the epoch or step t ≥ 0. */
export type Schedule = (t: number) => number;

function fail(fn: string, what: string, v: unknown): never {
  throw new Error(`${fn}: ${what}, got ${String(v)}`);
}

function finite(fn: string, name: string, v: unknown, { min = -Infinity, positive = false } = {}): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (positive && v <= 0)) {
    fail(fn, `${name} must be a finite number ${positive ? '> 0' : min === -Infinity ? '' : `>= ${min}`}`.trimEnd(), v);
  }
  return v;
}

/** Wraps a formula with the check of t that every schedule shares. */
function schedule(fn: string, f: (t: number) => number): Schedule {
  return (t: number) => {
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) fail(fn, 't (the epoch or step) must be a finite number >= 0', t);
    return f(t);
  };
}

export interface DecayOptions {
  /** t is divided by this many epochs (steps) before decaying (default 1). */
  decaySteps?: number;
  /** Decay in whole intervals only: floor(t / decaySteps) (default false). */
  staircase?: boolean;
}

function interval(fn: string, options: DecayOptions): (t: number) => number {
  const decaySteps = finite(fn, 'decaySteps', options.decaySteps ?? 1, { positive: true });
  const staircase = options.staircase ?? false;
  if (typeof staircase !== 'boolean') fail(fn, 'staircase must be true or false', staircase);
  return (t) => (staircase ? Math.floor(t / decaySteps) : t / decaySteps);
}

/**
 * Inverse time decay: lr(t) = α₀ / (1 + decayRate·τ), τ = t / decaySteps, or
 * floor(t / decaySteps) with staircase (the course's "schedule_lr_decay" with time interval
 * decaySteps).
 */
export function inverseTimeDecay(initialLr: number, decayRate: number, options: DecayOptions = {}): Schedule {
  const fn = 'inverseTimeDecay';
  const a0 = finite(fn, 'initialLr', initialLr, { min: 0 });
  const k = finite(fn, 'decayRate', decayRate, { min: 0 });
  const tau = interval(fn, options);
  return schedule(fn, (t) => a0 / (1 + k * tau(t)));
}

/** Exponential decay: lr(t) = α₀·rate^τ, τ = t / decaySteps (floored with staircase). */
export function exponentialDecay(initialLr: number, rate: number, options: DecayOptions = {}): Schedule {
  const fn = 'exponentialDecay';
  const a0 = finite(fn, 'initialLr', initialLr, { min: 0 });
  const r = finite(fn, 'rate', rate, { positive: true });
  const tau = interval(fn, options);
  return schedule(fn, (t) => a0 * r ** tau(t));
}

/**
 * Inverse square-root decay: lr(t) = α₀·k / √t for t ≥ 1. The formula is infinite at t = 0,
 * so epoch 0 uses t = 1: lr(t) = α₀·k / √max(t, 1) (epochs 0 and 1 share α₀·k).
 */
export function inverseSqrtDecay(initialLr: number, k = 1): Schedule {
  const fn = 'inverseSqrtDecay';
  const a0 = finite(fn, 'initialLr', initialLr, { min: 0 });
  const kk = finite(fn, 'k', k, { min: 0 });
  return schedule(fn, (t) => (a0 * kk) / Math.sqrt(Math.max(t, 1)));
}

/** Step decay: lr(t) = α₀·γ^floor(t / stepSize) (PyTorch's StepLR). */
export function stepDecay(initialLr: number, stepSize: number, gamma = 0.1): Schedule {
  const fn = 'stepDecay';
  const a0 = finite(fn, 'initialLr', initialLr, { min: 0 });
  const s = finite(fn, 'stepSize', stepSize, { positive: true });
  const g = finite(fn, 'gamma', gamma, { min: 0 });
  return schedule(fn, (t) => a0 * g ** Math.floor(t / s));
}

/** Multi-step decay: lr(t) = α₀·γ^(number of milestones ≤ t) (PyTorch's MultiStepLR). */
export function multiStepDecay(initialLr: number, milestones: readonly number[], gamma = 0.1): Schedule {
  const fn = 'multiStepDecay';
  const a0 = finite(fn, 'initialLr', initialLr, { min: 0 });
  const g = finite(fn, 'gamma', gamma, { min: 0 });
  if (!Array.isArray(milestones)) fail(fn, 'milestones must be an array of epochs', milestones);
  const ms = milestones.map((m, i) => finite(fn, `milestones[${i}]`, m, { min: 0 }));
  return schedule(fn, (t) => a0 * g ** ms.filter((m) => m <= t).length);
}

export interface PolynomialOptions {
  /** The rate reached at t = decaySteps and kept after (default 0). */
  endLr?: number;
  /** Exponent of the decay (default 1, linear). */
  power?: number;
}

/**
 * Polynomial decay from α₀ to endLr over decaySteps, constant after:
 * lr(t) = (α₀ − endLr)·(1 − min(t, decaySteps) / decaySteps)^power + endLr.
 */
export function polynomialDecay(initialLr: number, decaySteps: number, options: PolynomialOptions = {}): Schedule {
  const fn = 'polynomialDecay';
  const a0 = finite(fn, 'initialLr', initialLr, { min: 0 });
  const n = finite(fn, 'decaySteps', decaySteps, { positive: true });
  const end = finite(fn, 'endLr', options.endLr ?? 0, { min: 0 });
  const power = finite(fn, 'power', options.power ?? 1, { positive: true });
  return schedule(fn, (t) => (a0 - end) * (1 - Math.min(t, n) / n) ** power + end);
}

/**
 * Cosine annealing from α₀ to etaMin over tMax, constant after:
 * lr(t) = etaMin + (α₀ − etaMin)·(1 + cos(π·min(t, tMax) / tMax)) / 2.
 */
export function cosineAnnealing(initialLr: number, tMax: number, { etaMin = 0 } = {}): Schedule {
  const fn = 'cosineAnnealing';
  const a0 = finite(fn, 'initialLr', initialLr, { min: 0 });
  const T = finite(fn, 'tMax', tMax, { positive: true });
  const lo = finite(fn, 'etaMin', etaMin, { min: 0 });
  return schedule(fn, (t) => lo + ((a0 - lo) * (1 + Math.cos((Math.PI * Math.min(t, T)) / T))) / 2);
}

/**
 * Cosine annealing with warm restarts (SGDR, Loshchilov & Hutter): the first cycle lasts
 * t0, each next one tMult times longer; within a cycle of length Tᵢ, at Tcur since its start,
 * lr = etaMin + (α₀ − etaMin)·(1 + cos(π·Tcur / Tᵢ)) / 2 (α₀ again at every restart).
 */
export function cosineWarmRestarts(initialLr: number, t0: number, { tMult = 1, etaMin = 0 } = {}): Schedule {
  const fn = 'cosineWarmRestarts';
  const a0 = finite(fn, 'initialLr', initialLr, { min: 0 });
  const T0 = finite(fn, 't0', t0, { positive: true });
  const mult = finite(fn, 'tMult', tMult, { min: 1 });
  const lo = finite(fn, 'etaMin', etaMin, { min: 0 });
  return schedule(fn, (t) => {
    let cur: number;
    let Ti = T0;
    if (mult === 1) {
      cur = t - Math.floor(t / T0) * T0;
    } else {
      // Subtracting whole cycles is exact for integer epochs, unlike the closed form with logs.
      cur = t;
      while (cur >= Ti) {
        cur -= Ti;
        Ti *= mult;
      }
    }
    return lo + ((a0 - lo) * (1 + Math.cos((Math.PI * cur) / Ti))) / 2;
  });
}

export interface OneCycleOptions {
  /** Fraction of the steps spent raising the rate (default 0.3). */
  pctStart?: number;
  /** The initial rate is maxLr / divFactor (default 25). */
  divFactor?: number;
  /** The final rate is the initial rate / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** 'cos' (default) or 'linear' interpolation within each phase. */
  annealStrategy?: 'cos' | 'linear';
  /** Three phases (up, back down to the initial rate, then to the final one) instead of two. */
  threePhase?: boolean;
}

/**
 * The 1cycle policy (Smith & Topsoe; PyTorch's OneCycleLR, learning rate only) over
 * totalSteps steps t = 0 .. totalSteps − 1. With a = maxLr / divFactor, z = a / finalDivFactor
 * and P = pctStart·totalSteps, the rate goes a → maxLr over t ∈ [0, P − 1], then maxLr → z
 * over [P − 1, totalSteps − 1] (three phases: maxLr → a over [P − 1, 2P − 2], then a → z),
 * interpolating within a phase at fraction f by end + (start − end)·(1 + cos(π·f)) / 2 ('cos')
 * or start + (end − start)·f ('linear'). t past totalSteps − 1 keeps the final rate.
 */
export function oneCycle(maxLr: number, totalSteps: number, options: OneCycleOptions = {}): Schedule {
  const fn = 'oneCycle';
  const top = finite(fn, 'maxLr', maxLr, { min: 0 });
  const total = finite(fn, 'totalSteps', totalSteps, { positive: true });
  const pct = finite(fn, 'pctStart', options.pctStart ?? 0.3, { positive: true });
  if (pct >= 1) fail(fn, 'pctStart must lie in (0, 1)', pct);
  const initial = top / finite(fn, 'divFactor', options.divFactor ?? 25, { positive: true });
  const final = initial / finite(fn, 'finalDivFactor', options.finalDivFactor ?? 1e4, { positive: true });
  const strategy = options.annealStrategy ?? 'cos';
  if (strategy !== 'cos' && strategy !== 'linear') fail(fn, "annealStrategy must be 'cos' or 'linear'", strategy);
  const threePhase = options.threePhase ?? false;
  if (typeof threePhase !== 'boolean') fail(fn, 'threePhase must be true or false', threePhase);
  const P = pct * total;
  const phases: [end: number, from: number, to: number][] = threePhase
    ? [[P - 1, initial, top], [2 * P - 2, top, initial], [total - 1, initial, final]]
    : [[P - 1, initial, top], [total - 1, top, final]];
  if (phases.some(([end], i) => end <= (i === 0 ? 0 : phases[i - 1]![0]))) {
    fail(fn, 'totalSteps is too small for pctStart: every phase needs at least one step', total);
  }
  const anneal = strategy === 'cos'
    ? (a: number, b: number, f: number) => b + ((a - b) * (1 + Math.cos(Math.PI * f))) / 2
    : (a: number, b: number, f: number) => a + (b - a) * f;
  return schedule(fn, (t) => {
    const s = Math.min(t, total - 1);
    let start = 0;
    for (let i = 0; i < phases.length; i++) {
      const [end, from, to] = phases[i]!;
      if (s <= end || i === phases.length - 1) return anneal(from, to, (s - start) / (end - start));
      start = end;
    }
    return final;
  });
}

/** A schedule from any function of t; its values are checked (finite, ≥ 0) when used. */
export function manual(f: (t: number) => number): Schedule {
  const fn = 'manual';
  if (typeof f !== 'function') fail(fn, 'expected a function (t) => learning rate', f);
  return schedule(fn, (t) => {
    const v = f(t);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(fn, `the function returned a bad learning rate at t = ${t}`, v);
    return v;
  });
}

/** Anything with a settable learning rate (every optimizer of ng.optim). */
export interface HasLearningRate {
  lr: number;
}

export interface LRSchedulerOptions {
  /**
   * Calls to step() per unit of the schedule's t (default 1). With a schedule in epochs and
   * step() called after every mini-batch, pass the batches per epoch: the schedule then sees
   * fractional epochs.
   */
  stepsPerEpoch?: number;
}

/**
 * Applies a schedule to an optimizer: the constructor sets lr = schedule(0); each step()
 * advances t by one call and sets lr = schedule(calls / stepsPerEpoch) on every group.
 * Call step() after each epoch (or after each batch, see stepsPerEpoch).
 */
export class LRScheduler {
  private calls = 0;
  private readonly perEpoch: number;

  constructor(readonly optimizer: HasLearningRate, readonly schedule: Schedule, options: LRSchedulerOptions = {}) {
    const fn = 'LRScheduler';
    if (!optimizer || typeof optimizer !== 'object' || typeof optimizer.lr !== 'number') {
      throw new Error(`${fn}: optimizer must be an optimizer (an object with a numeric lr)`);
    }
    if (typeof schedule !== 'function') throw new Error(`${fn}: schedule must be a function (t) => learning rate`);
    this.perEpoch = finite(fn, 'stepsPerEpoch', options.stepsPerEpoch ?? 1, { positive: true });
    this.apply();
  }

  /** The schedule's argument now: calls to step() / stepsPerEpoch. */
  get t(): number {
    return this.calls / this.perEpoch;
  }

  /** The learning rate last set. */
  get lastLr(): number {
    return this.optimizer.lr;
  }

  /** Advances one epoch (or step) and sets the new learning rate, which it returns. */
  step(): number {
    this.calls++;
    return this.apply();
  }

  stateDict(): { calls: number } {
    return { calls: this.calls };
  }

  /** Restores the position saved by stateDict() and sets the learning rate for it. */
  loadStateDict(state: { calls: number }): void {
    const calls = state?.calls;
    if (typeof calls !== 'number' || !Number.isSafeInteger(calls) || calls < 0) {
      throw new Error(`LRScheduler.loadStateDict: calls must be a non-negative integer, got ${String(calls)}`);
    }
    this.calls = calls;
    this.apply();
  }

  private apply(): number {
    const lr = this.schedule(this.t);
    this.optimizer.lr = lr;
    return lr;
  }
}
